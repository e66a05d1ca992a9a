import { extractResource } from '../../lambdas/extract/extract-resource';
import { validateResource, ValidateDeps } from '../../lambdas/validate/validate-resource';
import { startTestEnvironment, TestEnvironment } from '../support/environment';
import { validateDepsFor } from '../support/validate-deps';
import { builtInSourceAt } from '../support/sources';
import { localParquetFiles, queryRows } from '../support/duckdb';
import { loadFakestoreData } from '../../local/fixture-api/fixture-data';

const builtInResources = [
  ['gfn', 'countries'],
  ['gfn', 'years'],
  ['gfn', 'types'],
  ['gfn', 'footprint_by_year'],
  ['gfn', 'country_footprint'],
  ['fakestore', 'products'],
  ['fakestore', 'users'],
  ['fakestore', 'carts'],
  ['events_oauth', 'events'],
  ['events_apikey', 'events'],
] as const;

describe('validate on the real fixture data', () => {
  let env: TestEnvironment;
  let deps: ValidateDeps;
  const batch = { batchId: 'v-fixture', logicalDate: '2026-11-20' };

  beforeAll(async () => {
    env = await startTestEnvironment({ eventCount: 3000 });
    deps = validateDepsFor(env);
    for (const [source, resource] of builtInResources) {
      await extractResource(env.deps(), { source: builtInSourceAt(env.api, source), resource, ...batch });
    }
  }, 60_000);
  afterAll(async () => env.close());

  it.each(builtInResources)(
    'accepts every record of %s/%s, and the counts reconcile',
    async (source, resource) => {
      const result = await validateResource(deps, { source, resource, ...batch });
      expect(result.rejectedRecords).toBe(0);
      expect(result.quarantinedPages).toBe(0);
      expect(result.inputRecords).toBeGreaterThan(0);
      expect(result.validRecords).toBe(result.inputRecords);
      expect(result.tables[resource]!.rows).toBe(result.inputRecords);
      expect(result.rejectKeys).toEqual([]);
    },
  );

  it('writes carts as a table and its products as a child table with the parent key and list index', async () => {
    const result = await validateResource(deps, { source: 'fakestore', resource: 'carts', ...batch });
    expect(Object.keys(result.tables)).toEqual(['carts', 'carts__products']);
    const [file] = await localParquetFiles(env.s3, 'transformed', result.tables.carts__products!.keys);
    const rows = await queryRows(
      `select _parent_id, _list_index, product_id, quantity from '${file}' where _parent_id = 1 order by _list_index`,
    );
    expect(rows).toEqual([
      { _parent_id: 1n, _list_index: 0n, product_id: 1n, quantity: 4n },
      { _parent_id: 1n, _list_index: 1n, product_id: 2n, quantity: 1n },
      { _parent_id: 1n, _list_index: 2n, product_id: 3n, quantity: 6n },
    ]);
  });

  it('reads back from Parquet equal to the API records, row for row, with the declared types', async () => {
    const result = await validateResource(deps, { source: 'fakestore', resource: 'products', ...batch });
    const [file] = await localParquetFiles(env.s3, 'transformed', result.tables.products!.keys);
    const types = await queryRows(`select column_name, column_type from (describe select * from '${file}')`);
    expect(Object.fromEntries(types.map((row) => [row.column_name, row.column_type]))).toEqual({
      id: 'BIGINT',
      title: 'VARCHAR',
      price: 'DOUBLE',
      description: 'VARCHAR',
      category: 'VARCHAR',
      image: 'VARCHAR',
      rating__rate: 'DOUBLE',
      rating__count: 'BIGINT',
      _batch_id: 'VARCHAR',
      _extracted_at: 'TIMESTAMP WITH TIME ZONE',
      _source_key: 'VARCHAR',
      _record_hash: 'VARCHAR',
    });
    const rows = await queryRows(
      `select * exclude (_batch_id, _extracted_at, _source_key, _record_hash) from '${file}' order by id`,
    );
    const expected = (
      loadFakestoreData().products as Array<
        Record<string, unknown> & { rating: { rate: number; count: number } }
      >
    ).map(({ rating, id, ...rest }) => ({
      id: BigInt(id as number),
      ...rest,
      rating__rate: rating.rate,
      rating__count: BigInt(rating.count),
    }));
    expect(rows).toEqual(expected);
  });

  it('types timestamps as UTC timestamps and keeps lineage on every row', async () => {
    const result = await validateResource(deps, { source: 'fakestore', resource: 'carts', ...batch });
    const [file] = await localParquetFiles(env.s3, 'transformed', result.tables.carts!.keys);
    const rows = await queryRows(
      `select id, date::VARCHAR as date, _batch_id, _source_key, length(_record_hash) as hash_length from '${file}' order by id limit 1`,
    );
    expect(rows).toEqual([
      {
        id: 1n,
        date: '2020-03-02 00:00:00+00',
        _batch_id: 'v-fixture',
        _source_key: 'fakestore/carts/dt=2026-11-20/batch=v-fixture/page-00001.json.gz',
        hash_length: 32n,
      },
    ]);
  });
});
