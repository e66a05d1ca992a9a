import { defineSource } from './source-config';

/**
 * Global Footprint Network API v1 (National Footprint and Biocapacity Accounts).
 * HTTP Basic with any user name and the API key as the password; no pagination.
 */
export const gfn = defineSource({
  name: 'gfn',
  baseUrl: 'https://api.footprintnetwork.org/v1',
  auth: { type: 'basic', username: 'pipeline', password: { secret: 'GFN_API_KEY' } },
  // The public API is free and shared: stay polite.
  rateLimit: { requestsPerMinute: 300, concurrency: 4 },
  resources: [
    { name: 'countries', path: '/countries', primaryKey: ['countryCode'] },
    { name: 'years', path: '/years', primaryKey: ['year'] },
    { name: 'types', path: '/types', primaryKey: ['code'] },
    {
      // Every country's records for one year, a request per year from the cursor to this year.
      name: 'footprint_by_year',
      path: '/data/all/{year}',
      primaryKey: ['countryCode', 'year', 'record'],
      // Accounts are revised: re-read the last year already loaded on every run.
      incremental: { cursorField: 'year', type: 'number', initialValue: 1990, lag: 1 },
      partitions: { type: 'range', param: 'year', from: 'cursor', to: 'current_year' },
    },
    {
      // The same data per country (parent → child); off by default as it overlaps footprint_by_year.
      name: 'country_footprint',
      path: '/data/{countryCode}/all',
      primaryKey: ['countryCode', 'year', 'record'],
      partitions: { type: 'parent', resource: 'countries', field: 'countryCode', param: 'countryCode' },
      enabled: false,
    },
  ],
});
