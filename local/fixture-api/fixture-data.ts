import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';

/** Real data shipped with the repo (see data/fixtures/README.md for sources and licences). */
export const fixtureDirectory = join(__dirname, '..', '..', 'data', 'fixtures');

const readFixture = (...parts: string[]) => readFileSync(join(fixtureDirectory, ...parts));

function readCsv(...parts: string[]): Array<Record<string, string>> {
  return parse(readFixture(...parts), { columns: true, skip_empty_lines: true }) as Array<
    Record<string, string>
  >;
}

export interface GfnCountry {
  id: number;
  version: null;
  countryCode: string;
  countryName: string;
  shortName: string;
  isoa2: string | null;
  score: string;
}

export interface GfnDataRow {
  id: number;
  version: null;
  year: number;
  countryCode: number;
  countryName: string;
  shortName: string;
  isoa2: string | null;
  record: string;
  cropLand: number | null;
  grazingLand: number | null;
  forestLand: number | null;
  fishingGround: number | null;
  builtupLand: number | null;
  carbon: number | null;
  value: number | null;
  score: string | null;
}

/** GFN's type codes (URL) and the `record` values they select (response); `/types` serves this list. */
export const gfnTypes = [
  { code: 'AreaPerCap', record: 'AreaPerCap', name: 'Area per capita', note: 'hectares per person' },
  { code: 'AreaTotHA', record: 'AreaTotHA', name: 'Area total', note: 'hectares' },
  {
    code: 'BCpc',
    record: 'BiocapPerCap',
    name: 'Biocapacity per capita',
    note: 'global hectares per person',
  },
  { code: 'BCtot', record: 'BiocapTotGHA', name: 'Biocapacity total', note: 'global hectares' },
  {
    code: 'EFCpc',
    record: 'EFConsPerCap',
    name: 'Ecological Footprint of consumption per capita',
    note: 'gha per person',
  },
  { code: 'EFCtot', record: 'EFConsTotGHA', name: 'Ecological Footprint of consumption total', note: 'gha' },
  {
    code: 'EFPpc',
    record: 'EFProdPerCap',
    name: 'Ecological Footprint of production per capita',
    note: 'gha per person',
  },
  { code: 'EFPtot', record: 'EFProdTotGHA', name: 'Ecological Footprint of production total', note: 'gha' },
  {
    code: 'EFIpc',
    record: 'EFImportsPerCap',
    name: 'Ecological Footprint of imports per capita',
    note: 'gha per person',
  },
  { code: 'EFItot', record: 'EFImportsTotGHA', name: 'Ecological Footprint of imports total', note: 'gha' },
  {
    code: 'EFEpc',
    record: 'EFExportsPerCap',
    name: 'Ecological Footprint of exports per capita',
    note: 'gha per person',
  },
  { code: 'EFEtot', record: 'EFExportsTotGHA', name: 'Ecological Footprint of exports total', note: 'gha' },
  { code: 'earth', record: 'Earths', name: 'Number of Earths', note: 'if everyone lived like this country' },
  { code: 'pop', record: 'Population', name: 'Population', note: 'persons' },
  { code: 'gdp', record: 'GDP', name: 'GDP per capita', note: 'constant 2010 USD' },
  { code: 'hdi', record: 'HDI', name: 'Human Development Index', note: 'UNDP' },
];

/** The CSV's measure columns, each served as one API record of that name. */
const csvMeasures = [
  'Earths',
  'HDI',
  'Population',
  'BiocapPerCap',
  'BiocapTotGHA',
  'EFConsPerCap',
  'EFConsTotGHA',
];
const INDIA = 100;

export interface GfnData {
  countriesBody: Buffer;
  countries: GfnCountry[];
  rows: GfnDataRow[];
  years: number[];
}

/**
 * India's rows are the saved API response, byte for byte the real thing; every other country's are
 * built from the 2019 country-totals CSV (totals only, land-type columns null). CSV rows of countries
 * the `/countries` list lacks (Uruguay, South Sudan) are not served: the API could not have them.
 */
export function loadGfnData(): GfnData {
  const countriesBody = readFixture('gfn', 'countries.json');
  const countries = JSON.parse(countriesBody.toString('utf8')) as GfnCountry[];
  const byName = new Map(countries.map((country) => [country.countryName, country]));
  const byIso = new Map(
    countries.filter((country) => country.isoa2).map((country) => [country.isoa2, country]),
  );
  const rows = JSON.parse(readFixture('gfn', 'india-all.json').toString('utf8')) as GfnDataRow[];

  readCsv('gfn', 'nfa2019-country-totals.csv').forEach((line, lineIndex) => {
    const country = byName.get(line.Country!) ?? byIso.get(line.Code!);
    if (!country || Number(country.countryCode) === INDIA) return;
    csvMeasures.forEach((measure, measureIndex) => {
      const cell = line[measure];
      rows.push({
        id: 1_000_000 + lineIndex * csvMeasures.length + measureIndex,
        version: null,
        year: Number(line.Year),
        countryCode: Number(country.countryCode),
        countryName: country.countryName,
        shortName: country.shortName,
        // The CSV's own code, quirks included (Namibia's "NA" was lost on the way).
        isoa2: line.Code || null,
        record: measure,
        cropLand: null,
        grazingLand: null,
        forestLand: null,
        fishingGround: null,
        builtupLand: null,
        carbon: null,
        value: cell === undefined || cell === '' ? null : Number(cell),
        score: country.score || null,
      });
    });
  });
  const years = [...new Set(rows.map((row) => row.year))].sort((a, b) => a - b);
  return { countriesBody, countries, rows, years };
}

export interface FakestoreData {
  products: unknown[];
  users: unknown[];
  carts: Array<{
    id: number;
    userId: number;
    date: string;
    products: Array<{ productId: number; quantity: number }>;
    __v: 0;
  }>;
  /** The same orders as a legacy ERP keeps them: one row per line, numbered as carts.csv numbers them. */
  orderLines: Array<{
    lineId: number;
    orderId: number;
    customerId: number;
    orderDate: string;
    productId: number;
    quantity: number;
  }>;
}

/** FakeStore's CSV export, put back into the API's nested shapes. */
export function loadFakestoreData(): FakestoreData {
  const products = readCsv('fakestore', 'products.csv').map((row) => ({
    id: Number(row.id),
    title: row.title,
    price: Number(row.price),
    description: row.description,
    category: row.category,
    image: row.image,
    rating: { rate: Number(row.rating_rate), count: Number(row.rating_count) },
  }));
  const users = readCsv('fakestore', 'users.csv').map((row) => ({
    address: {
      // The live API sends coordinates as strings.
      geolocation: { lat: row.lat, long: row.long },
      city: row.city,
      street: row.street,
      number: Number(row.number),
      zipcode: row.zipcode,
    },
    id: Number(row.id),
    email: row.email,
    username: row.username,
    password: row.password,
    name: { firstname: row.firstname, lastname: row.lastname },
    phone: row.phone,
    __v: Number(row.__v),
  }));
  // carts.csv numbers line items; a cart is the group of lines with the same (userid, date).
  const carts: FakestoreData['carts'] = [];
  const orderLines: FakestoreData['orderLines'] = [];
  for (const line of readCsv('fakestore', 'carts.csv')) {
    const date = new Date(`${line.date!.replace(' ', 'T')}Z`).toISOString();
    let cart = carts.find((candidate) => candidate.userId === Number(line.userid) && candidate.date === date);
    if (!cart) {
      cart = { id: carts.length + 1, userId: Number(line.userid), date, products: [], __v: 0 };
      carts.push(cart);
    }
    cart.products.push({ productId: Number(line.productid), quantity: Number(line.quantity) });
    orderLines.push({
      lineId: Number(line.id),
      orderId: cart.id,
      customerId: cart.userId,
      orderDate: date,
      productId: Number(line.productid),
      quantity: Number(line.quantity),
    });
  }
  return { products, users, carts, orderLines };
}
