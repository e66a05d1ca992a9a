import { handler } from '../../lambdas/quality/handler';
import { useWarehouse } from '../../lambdas/warehouse/snowflake-warehouse';
import { RecordingExecutor } from '../support/recording-executor';

describe('the quality step in AWS', () => {
  const saved = { ...process.env };
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
      if (sqlText.includes('information_schema.tables')) return [{ TABLE_NAME: 'FAKESTORE__PRODUCTS' }];
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
