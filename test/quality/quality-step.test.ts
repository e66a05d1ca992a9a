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
    await expect(handler({ batchId: 'run-1' })).resolves.toEqual({
      verdict: 'skipped',
      checks: 0,
      failed: [],
      warned: [],
    });
  });

  it('brings CLEAN up to date from the streams, runs the checks in Snowflake SQL and keeps each result', async () => {
    process.env.SNOWFLAKE_DATABASE = 'PIPELINE_PROD';
    const executor = new RecordingExecutor();
    // Snowflake answers unquoted names in upper case: only fakestore__products is in CLEAN, with 20 rows.
    executor.respond = (sqlText) => {
      if (sqlText.includes('information_schema.tables'))
        return [{ TABLE_NAME: 'FAKESTORE__PRODUCTS' }, { TABLE_NAME: 'EVENTS_OAUTH__EVENTS' }];
      if (sqlText.includes('information_schema.columns'))
        return sqlText.includes("'FAKESTORE__PRODUCTS'")
          ? ['ID', 'TITLE', 'PRICE', 'CATEGORY', '_EXTRACTED_AT'].map((name) => ({
              COLUMN_NAME: name.toLowerCase(),
            }))
          : [];
      if (sqlText === 'select count(*) as metric from clean.fakestore__products') return [{ METRIC: 20 }];
      if (sqlText.includes('as metric')) return [{ METRIC: 0 }];
      return undefined;
    };
    useWarehouse({ executor, database: 'PIPELINE_PROD' });
    const answer = await handler({ batchId: 'run-7' });
    expect(answer).toMatchObject({ verdict: 'pass', failed: [], warned: [] });
    expect(answer.checks).toBeGreaterThan(4);
    const merge = executor.statements.findIndex((statement) =>
      statement.startsWith('merge into clean.fakestore__products'),
    );
    expect(executor.statements[merge]).toContain('from PIPELINE_PROD.RAW.FAKESTORE__PRODUCTS_STREAM');
    const firstCheck = executor.statements.findIndex((statement) => statement.includes('as metric'));
    expect(merge).toBeGreaterThan(-1);
    expect(merge).toBeLessThan(firstCheck);
    expect(executor.statements.find((statement) => statement.includes("datediff('hour'"))).toBeDefined();
    // The evolved column is added to CLEAN, then the table merges from all of RAW: the 5-minute task,
    // made at deploy, merged its rows without the column.
    const alter = executor.statements.indexOf(
      'alter table clean.events_oauth__events add column if not exists coupon VARCHAR;',
    );
    const eventsMerge = executor.statements.findIndex((statement) =>
      statement.startsWith('merge into clean.events_oauth__events'),
    );
    expect(alter).toBeGreaterThan(-1);
    expect(eventsMerge).toBeGreaterThan(alter);
    expect(executor.statements[eventsMerge]).toContain('from raw.events_oauth__events');
    expect(executor.statements[eventsMerge]).toContain('coupon = s.coupon');
    const inserts = executor.calls.filter((call) =>
      call.sqlText.startsWith('insert into analytics.dq_check_results'),
    );
    // Every result in one statement (one round trip), nine values per check.
    expect(inserts).toHaveLength(1);
    expect(inserts[0]!.binds).toHaveLength(9 * answer.checks);
    expect(inserts[0]!.binds?.slice(0, 5)).toEqual([
      'run-7',
      'fakestore__products',
      'row_count()',
      'fail',
      'pass',
    ]);
  });
});
