import { extractResource } from '../../lambdas/extract/extract-resource';
import { loadContracts } from '../../lambdas/contracts/contract';
import { planFastPath } from '../../lambdas/validate/fast-path/acceptance-sql';
import { validateResource, ValidateDeps } from '../../lambdas/validate/validate-resource';
import type { ValidateResult } from '../../lambdas/shared/step-messages';
import type { RejectLine } from '../../lambdas/validate/reject-sink';
import { eventsBetween } from '../../local/fixture-api/events';
import { startTestEnvironment, TestEnvironment } from '../support/environment';
import { readRejectLines, validateDepsFor } from '../support/validate-deps';
import { landRawPages } from '../support/raw-pages';
import { builtInSourceAt } from '../support/sources';
import { localParquetFiles, queryRows } from '../support/duckdb';

/**
 * The DuckDB fast path must change how fast validate is, never what it writes: every test runs
 * validate twice on the same raw pages, once JS-only and once with the fast path, and compares
 * counts, rejects with their reasons, and every row and column type read back from Parquet.
 */
describe('validate: the DuckDB fast path writes what the JS path writes', () => {
  let env: TestEnvironment;
  let deps: ValidateDeps;
  beforeAll(async () => {
    env = await startTestEnvironment({ eventCount: 3000 });
    deps = validateDepsFor(env);
  }, 60_000);
  afterAll(async () => env.close());

  interface Written {
    result: ValidateResult;
    rows: Record<string, unknown>[];
    types: Record<string, unknown>[];
    rejects: Array<Omit<RejectLine, 'record'> & { record: unknown }>;
    writers: string[];
  }

  async function validateWith(fastPath: boolean, batch: Parameters<typeof validateResource>[1]) {
    const result = await validateResource({ ...deps, fastPath }, batch);
    const files = await localParquetFiles(env.s3, 'transformed', result.tables[batch.resource]!.keys);
    const list = `[${files.map((file) => `'${file}'`).join(', ')}]`;
    const rejects = result.rejectKeys.length ? await readRejectLines(env.s3, result.rejectKeys[0]!) : [];
    const written: Written = {
      result,
      rows: files.length
        ? await queryRows(`select * from read_parquet(${list}, union_by_name = true) order by all`)
        : [],
      types: files.length
        ? await queryRows(
            `select column_name, column_type from (describe select * from read_parquet(${list}, union_by_name = true)) order by column_name`,
          )
        : [],
      rejects,
      writers: files.length
        ? (await queryRows(`select created_by from parquet_file_metadata(${list})`)).map(
            (row) => String(row.created_by).split(' ')[0]!,
          )
        : [],
    };
    return written;
  }

  /** Validates the batch JS-only and with the fast path, expects the same output, returns both. */
  async function compareBothPaths(batch: Parameters<typeof validateResource>[1]) {
    const js = await validateWith(false, batch);
    const fast = await validateWith(true, batch);
    expect(fast.result.inputRecords).toBe(js.result.inputRecords);
    expect(fast.result.validRecords).toBe(js.result.validRecords);
    expect(fast.result.quarantinedPages).toBe(js.result.quarantinedPages);
    expect(fast.result.schemaVersions).toEqual(js.result.schemaVersions);
    expect(fast.result.discardedValues).toEqual(js.result.discardedValues);
    expect(fast.types).toEqual(js.types);
    expect(fast.rows).toEqual(js.rows);
    // Same rejects, same reasons; the JS path meets them in page order, so does the fast path.
    expect(fast.rejects).toEqual(js.rejects);
    expect(js.writers.every((writer) => writer === 'api-snowflake-pipeline')).toBe(true);
    return { js, fast };
  }

  it.each([
    ['events_apikey', 'events', 'all'],
    ['events_oauth', 'events', 'all'],
    ['gfn', 'countries', 'all'],
    // Its long decimals written as `0.0` and the like are the JS path's.
    ['gfn', 'country_footprint', 'some'],
  ] as const)(
    'on the fixture data of %s/%s, DuckDB writes %s of the records',
    async (source, resource, share) => {
      const batch = { source, resource, batchId: `fast-${source}-${resource}`, logicalDate: '2026-11-20' };
      await extractResource(env.deps(), { ...batch, source: builtInSourceAt(env.api, source) });
      const { fast } = await compareBothPaths(batch);
      expect(fast.result.rejectedRecords).toBe(0);
      expect(fast.writers.length).toBeGreaterThan(0);
      expect(fast.writers[0]).toBe('DuckDB');
      if (share === 'all') expect(fast.writers.every((writer) => writer === 'DuckDB')).toBe(true);
    },
    // country_footprint extracts 222 partitions and validates them twice: ~25 s alone on 2 cores.
    90_000,
  );

  const event = (index: number, overrides: Record<string, unknown> = {}) => ({
    ...eventsBetween(index, index + 1)[0]!,
    ...overrides,
  });

  it('leaves every record it cannot prove to the JS path, which accepts or rejects it with its reasons', async () => {
    const shuffled = event(7);
    const mixed = [
      event(0),
      event(1, { amount: '12.5' }), // a string where a number belongs
      event(2, { id: 5 }), // a number where a string belongs
      event(3, { coupon: 'SPRING' }), // unknown field: evolve adds a column
      event(4, { type: 'nope' }),
      event(5, { currency: 'eur' }),
      event(6, { user_id: null }), // allowed
      Object.fromEntries(Object.entries(shuffled).reverse()), // another key order: same record
      event(8, { occurred_at: '2026-01-01T01:00:00+01:00' }), // valid RFC 3339, not the shape DuckDB takes
      event(9, { occurred_at: '2026-01-01T00:00:00Z' }),
      event(10, { occurred_at: '2026-02-30T00:00:00.000Z' }),
      event(11, { occurred_at: '2099-01-01T00:00:00.000Z' }), // in the future
      event(12, { occurred_at: ' 026-01-01T00:00:00.000Z' }), // DuckDB's cast would take it
      event(13, { context: { browser: 'quote " inside', page: { path: '/p', referrer: null } } }),
      event(14, { context: { browser: 'Fénix/1.0 ✓', page: { path: '/é', referrer: null } } }),
      event(15, { context: { browser: 'x', page: { path: '/', referrer: null, extra: 1 } } }),
      event(16, { context: null }),
      event(17, { context: { browser: 'x' } }), // page missing
      event(18, { tags: [1] }),
      event(19, { tags: ['x'.repeat(101)] }),
      event(20, { tags: ['ok', 'fine'] }),
      event(21, { id: 'x'.repeat(65) }),
      event(22, { user_id: 'é'.repeat(64) }), // 64 characters, 128 bytes: within maxLength
      event(23, { amount: -1 }),
      event(24, { amount: 0.1 + 0.2 }),
      event(25, { amount: 1e21 }),
      event(26, { nested: { deep: { deeper: { deepest: [1, { a: 2 }] } } } }),
      null,
      'a string',
      [],
    ];
    const compact = JSON.stringify(mixed);
    // Numbers JSON.stringify never writes, typed by hand: same values, other text.
    const handTyped = `[${JSON.stringify(event(30)).replace('"amount":null', '"amount":1.0')},${JSON.stringify(
      event(31),
    ).replace(
      '"amount":null',
      '"amount":1e2',
    )},${JSON.stringify(event(32)).replace('"amount":null', '"amount":-0')}]`;
    const pretty = JSON.stringify(eventsBetween(40, 45), null, 2);
    const clean = JSON.stringify(eventsBetween(100, 200));
    const batch = {
      source: 'events_apikey',
      resource: 'events',
      batchId: 'fast-corpus',
      logicalDate: '2026-11-20',
    };
    await landRawPages(env.s3, batch, [clean, compact, handTyped, pretty, '{"not": "an array"', clean]);
    const { fast } = await compareBothPaths(batch);
    expect(fast.result.inputRecords).toBe(100 + mixed.length + 3 + 5 + 100);
    expect(fast.result.quarantinedPages).toBe(1);
    expect(fast.rejects.map((reject) => reject.index)).toEqual([
      1,
      2,
      4,
      5,
      10,
      11,
      12,
      16,
      18,
      19,
      21,
      23,
      27,
      28,
      29,
      undefined,
    ]);
    // DuckDB wrote the clean pages; the JS path the rest, in parts after DuckDB's.
    expect(fast.writers[0]).toBe('DuckDB');
    expect(fast.writers.at(-1)).toBe('api-snowflake-pipeline');
    expect(fast.rows.some((row) => row.coupon === 'SPRING')).toBe(true);
  });

  it('reads records at a records path the same way, and a page without it is quarantined', async () => {
    const batch = {
      source: 'events_apikey',
      resource: 'events',
      batchId: 'fast-wrapped',
      logicalDate: '2026-11-20',
    };
    const wrapped = (from: number, to: number) =>
      JSON.stringify({ data: eventsBetween(from, to), next: null });
    await landRawPages(
      env.s3,
      batch,
      [
        wrapped(0, 50),
        JSON.stringify({ data: [event(60, { amount: 'x' }), event(61)] }),
        '{"items": []}',
        wrapped(70, 80),
      ],
      'data',
    );
    const { fast } = await compareBothPaths(batch);
    expect(fast.result.inputRecords).toBe(62);
    expect(fast.result.rejectedRecords).toBe(1);
    expect(fast.result.quarantinedPages).toBe(1);
    expect(fast.writers[0]).toBe('DuckDB');
  });

  it('is planned only where each rule has a provably equal SQL form, and says why not elsewhere', () => {
    const contracts = loadContracts();
    const decide = (key: string) => {
      const contract = contracts.get(key)!;
      return planFastPath(contract, contract.tables, '', new Date());
    };
    expect(decide('events_apikey/events')).toHaveProperty('plan');
    expect(decide('gfn/country_footprint')).toHaveProperty('plan');
    expect(decide('fakestore/carts')).toEqual({ ineligible: '(record): child table carts__products' });
    expect(decide('fakestore/users')).toEqual({ ineligible: '(record): excluded fields password' });
    expect(decide('fakestore/products')).toEqual({ ineligible: 'image: format uri has no fast-path form' });
  });
});
