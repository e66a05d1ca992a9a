import eventsApikeyEvents from './events_apikey/events.json';
import eventsOauthEvents from './events_oauth/events.json';
import fakestoreCarts from './fakestore/carts.json';
import fakestoreProducts from './fakestore/products.json';
import fakestoreUsers from './fakestore/users.json';
import gfnCountries from './gfn/countries.json';
import gfnCountryFootprint from './gfn/country_footprint.json';
import gfnFootprintByYear from './gfn/footprint_by_year.json';
import gfnTypes from './gfn/types.json';
import gfnYears from './gfn/years.json';

/** The contract of every built-in resource, keyed `<source>/<resource>`: JSON Schema, kept as data. */
export const builtInContracts: Readonly<Record<string, unknown>> = {
  'gfn/countries': gfnCountries,
  'gfn/years': gfnYears,
  'gfn/types': gfnTypes,
  'gfn/footprint_by_year': gfnFootprintByYear,
  'gfn/country_footprint': gfnCountryFootprint,
  'fakestore/products': fakestoreProducts,
  'fakestore/users': fakestoreUsers,
  'fakestore/carts': fakestoreCarts,
  'events_oauth/events': eventsOauthEvents,
  'events_apikey/events': eventsApikeyEvents,
  /**
   * Events pushed to POST /events (the streaming path, lambdas/ingest): the same shape as the pulled
   * ones. Undeclared fields are kept in `_extra` (mode keep_extra): a request's verdict never depends
   * on what earlier requests sent, and the stream's table never grows.
   */
  'stream/events': {
    ...eventsApikeyEvents,
    $id: 'contracts/stream/events',
    'x-pipeline': { ...eventsApikeyEvents['x-pipeline'], mode: 'keep_extra' },
  },
};
