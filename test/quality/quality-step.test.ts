import { GetObjectCommand, NoSuchKey, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../lambdas/quality/handler';
import { useWarehouse } from '../../lambdas/warehouse/snowflake-warehouse';
import { RecordingExecutor } from '../support/recording-executor';

describe('the quality step in AWS', () => {
  const saved = { ...process.env };
  const s3 = mockClient(S3Client);
  /** The schema registry in the transformed bucket: events_oauth/events evolved a `coupon` column. */
  beforeEach(() => {
    process.env.TRANSFORMED_BUCKET = 'pipeline-prod-transformed';
    s3.reset();
    s3.on(GetObjectCommand).rejects(
      new NoSuchKey({ message: 'The specified key does not exist.', $metadata: {} }),
    );
    s3.on(GetObjectCommand, { Key: '_schemas/events_oauth/events/current.json' }).resolves({
      ETag: '"v2"',
      Body: {
        transformToString: async () =>
          JSON.stringify({
            source: 'events_oauth',
            table: 'events',
            version: 2,
            columns: [
              { name: 'id', path: ['id'], type: 'string', nullable: false },
              { name: 'coupon', path: ['coupon'], type: 'string', nullable: true },
            ],
          }),
      } as never,
    });
  });
  afterEach(() => {
    process.env = { ...saved };
    useWarehouse(undefined);
  });

  it('answers skipped where no Snowflake is configured (local mode checks DuckDB instead)', async () => {
    delete process.env.SNOWFLAKE_DATABASE;
    await expect(handler({ batchId: 'run-1', logicalDate: '2026-12-07' })).resolves.toEqual({
      verdict: 'skipped',
      checks: 0,
      failed: [],
      warned: [],
    });
  });

  /**
   * Snowflake with fakestore__products and events_oauth__events in RAW and CLEAN, ANALYTICS' own tables
   * (names lower-cased by
   * the query, columns upper-case as Snowflake answers unquoted names); products has `productRows` rows.
   */
  function snowflakeWith(
    productRows: number,
    rawTables = ['fakestore__products', 'events_oauth__events'],
  ): RecordingExecutor {
    process.env.SNOWFLAKE_DATABASE = 'PIPELINE_PROD';
    const executor = new RecordingExecutor();
    executor.respond = (sqlText) => {
      if (sqlText.includes('information_schema.tables'))
        return sqlText.includes("'ANALYTICS'")
          ? [{ TABLE_NAME: 'table_loads' }, { TABLE_NAME: 'dq_check_results' }]
          : rawTables.map((table) => ({ TABLE_NAME: table }));
      if (sqlText.includes('information_schema.columns'))
        return sqlText.includes("'FAKESTORE__PRODUCTS'")
          ? ['ID', 'TITLE', 'PRICE', 'CATEGORY', '_EXTRACTED_AT'].map((name) => ({
              COLUMN_NAME: name.toLowerCase(),
            }))
          : [];
      if (sqlText === 'select count(*) as metric from clean.fakestore__products')
        return [{ METRIC: productRows }];
      if (sqlText.includes('as metric')) return [{ METRIC: 0 }];
      return undefined;
    };
    useWarehouse({ executor, database: 'PIPELINE_PROD' });
    return executor;
  }

  it("publishes the SOAP source's order lines as any table: the batch's rows merged into CLEAN in the transaction", async () => {
    const executor = snowflakeWith(20, ['fakestore__products', 'legacy_erp__order_lines']);
    await expect(handler({ batchId: 'run-8', logicalDate: '2026-12-07' })).resolves.toMatchObject({
      verdict: 'pass',
    });
    const begin = executor.statements.indexOf('begin transaction');
    const merge = executor.calls.findIndex((call) =>
      call.sqlText.startsWith('merge into clean.legacy_erp__order_lines'),
    );
    expect(
      executor.statements.indexOf(
        executor.statements.find((statement) =>
          statement.startsWith('create table if not exists clean.legacy_erp__order_lines'),
        )!,
      ),
    ).toBeLessThan(begin);
    expect(merge).toBeGreaterThan(begin);
    expect(executor.calls[merge]).toEqual({
      sqlText: expect.stringContaining('from raw.legacy_erp__order_lines\n        where _batch_id = ?'),
      binds: ['run-8'],
    });
    expect(executor.statements.indexOf('commit')).toBeGreaterThan(merge);
  });

  it('publishes the batch in one transaction: its rows merged into CLEAN and checked before the commit, then ANALYTICS rebuilt', async () => {
    const executor = snowflakeWith(20);
    const answer = await handler({ batchId: 'run-7', logicalDate: '2026-12-07' });
    expect(answer).toMatchObject({ verdict: 'pass', failed: [], warned: [] });
    expect(answer.checks).toBeGreaterThan(4);
    const at = (predicate: (statement: string) => boolean) => executor.statements.findIndex(predicate);
    // A transaction a killed invocation left open on the reused session is ended first.
    expect(executor.statements.slice(0, 2)).toEqual(['USE DATABASE PIPELINE_PROD', 'rollback']);
    const begin = executor.statements.indexOf('begin transaction');
    const commit = executor.statements.indexOf('commit');
    const merge = at((statement) => statement.startsWith('merge into clean.fakestore__products'));
    const firstCheck = at((statement) => statement.includes('as metric'));
    expect(begin).toBeGreaterThan(-1);
    expect([begin < merge, merge < firstCheck, firstCheck < commit]).toEqual([true, true, true]);
    expect(executor.statements.slice(begin)).not.toContain('rollback');
    // Only this batch's RAW rows are merged (no stream, no task: nothing reaches CLEAN but through here).
    expect(executor.calls[merge]).toEqual({
      sqlText: expect.stringContaining('from raw.fakestore__products\n        where _batch_id = ?'),
      binds: ['run-7'],
    });
    expect(executor.statements.some((statement) => statement.includes('_STREAM'))).toBe(false);
    expect(executor.statements.find((statement) => statement.includes("datediff('hour'"))).toBeDefined();
    // The evolved column is added to CLEAN before the transaction (DDL would commit it), and merged.
    const alter = executor.statements.indexOf(
      'alter table clean.events_oauth__events add column if not exists coupon VARCHAR;',
    );
    expect(alter).toBeGreaterThan(-1);
    expect(alter).toBeLessThan(begin);
    const eventsMerge = at((statement) => statement.startsWith('merge into clean.events_oauth__events'));
    expect(executor.statements[eventsMerge]).toContain('coupon = s.coupon');
    // Each published table's row for ANALYTICS' counts and freshness, inside the transaction.
    const loads = executor.calls.filter((call) =>
      call.sqlText.startsWith('insert into analytics.table_loads'),
    );
    expect(loads.map((call) => call.binds?.slice(0, 4))).toEqual([
      ['run-7', '2026-12-07', 'events_oauth', 'events_oauth__events'],
      ['run-7', '2026-12-07', 'fakestore', 'fakestore__products'],
    ]);
    // The events' freshness limit is their check's 6 hours; products' their check's 26.
    expect(loads.map((call) => call.binds?.[5])).toEqual([6, 26]);
    expect(executor.statements.indexOf(loads[0]!.sqlText)).toBeLessThan(commit);
    // Results after the commit, every one in one statement (one round trip), nine values per check.
    const inserts = executor.calls.filter((call) =>
      call.sqlText.startsWith('insert into analytics.dq_check_results'),
    );
    expect(inserts).toHaveLength(1);
    expect(inserts[0]!.binds).toHaveLength(9 * answer.checks);
    expect(inserts[0]!.binds?.slice(0, 5)).toEqual([
      'run-7',
      'fakestore__products',
      'row_count()',
      'fail',
      'pass',
    ]);
    // ANALYTICS after the commit: the models whose inputs Snowflake has.
    const analytics = at((statement) =>
      statement.startsWith('create or replace table analytics.daily_record_counts'),
    );
    expect(analytics).toBeGreaterThan(commit);
    expect(
      at((statement) => statement.startsWith('create or replace view analytics.vw_data_freshness')),
    ).toBeGreaterThan(commit);
    // The store's models need carts, which this Snowflake does not have: skipped, not failed.
    expect(at((statement) => statement.includes('analytics.fakestore_sales_by_day'))).toBe(-1);
  });

  it('holds a batch that fails its gate back: rolled back, never committed, results kept, ANALYTICS untouched', async () => {
    const executor = snowflakeWith(0); // products' row_count() >= 1 fails
    await expect(handler({ batchId: 'run-8', logicalDate: '2026-12-07' })).rejects.toThrow(
      /fakestore__products: row_count\(\) = 0/,
    );
    const begin = executor.statements.indexOf('begin transaction');
    const rollback = executor.statements.lastIndexOf('rollback');
    expect(rollback).toBeGreaterThan(begin);
    expect(executor.statements).not.toContain('commit');
    expect(
      executor.statements.some((statement) => /^create or replace (table|view) analytics\./.test(statement)),
    ).toBe(false);
    const results = executor.statements.findIndex((statement) =>
      statement.startsWith('insert into analytics.dq_check_results'),
    );
    expect(results).toBeGreaterThan(rollback);
  });
});
