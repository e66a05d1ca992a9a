import { extractResource } from '../../lambdas/extract/extract-resource';
import { loadContracts } from '../../lambdas/validate/contract';
import { validateResource, ValidateDeps } from '../../lambdas/validate/validate-resource';
import { RAW_BUCKET, startTestEnvironment, TestEnvironment } from '../support/environment';
import { builtInSourceAt } from '../support/sources';
import { localParquetFiles, queryRows } from '../support/duckdb';

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
    deps = {
      s3: env.s3,
      rawBucket: RAW_BUCKET,
      transformedBucket: 'transformed',
      failedBucket: 'failed',
      contracts: loadContracts(),
      logger: env.logs,
    };
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
});
