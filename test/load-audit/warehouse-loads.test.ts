import { checkBatchLoaded, loadStatus } from '../../lambdas/load-audit/warehouse-loads';
import { recordRun } from '../../lambdas/load-audit/pipeline-runs';
import { RecordingExecutor } from '../support/recording-executor';

const keys = [
  'fakestore/carts/dt=2026-11-21/batch=run-9/part-g000-00001.parquet',
  'fakestore/carts__products/dt=2026-11-21/batch=run-9/part-g000-00001.parquet',
  'gfn/countries/dt=2026-11-21/batch=run-9/part-g000-00001.parquet',
];

/** COPY_HISTORY as Snowflake answers it for the table asked (bound as the first value). */
function history(
  rows: Record<string, Array<{ FILE_NAME: string; STATUS: string; FIRST_ERROR_MESSAGE?: string }>>,
) {
  const executor = new RecordingExecutor();
  executor.respond = (sqlText, binds) =>
    sqlText.includes('COPY_HISTORY') ? (rows[String(binds?.[0])] ?? []) : undefined;
  return executor;
}

describe('waiting for Snowpipe', () => {
  it("asks COPY_HISTORY of each RAW table for the batch's files, and tells loaded from pending", async () => {
    const executor = history({
      'PIPELINE_PROD.RAW.FAKESTORE__CARTS': [{ FILE_NAME: keys[0]!, STATUS: 'Loaded' }],
      'PIPELINE_PROD.RAW.FAKESTORE__CARTS__PRODUCTS': [{ FILE_NAME: keys[1]!, STATUS: 'Loaded' }],
    });
    expect(await loadStatus(executor, 'PIPELINE_PROD', keys)).toEqual({
      loaded: 2,
      pending: [keys[2]],
      failed: [],
    });
    expect(executor.calls.map((call) => call.binds)).toEqual([
      ['PIPELINE_PROD.RAW.FAKESTORE__CARTS'],
      ['PIPELINE_PROD.RAW.FAKESTORE__CARTS__PRODUCTS'],
      ['PIPELINE_PROD.RAW.GFN__COUNTRIES'],
    ]);
  });

  it("fails the run with Snowflake's own error when a file did not load", async () => {
    const executor = history({
      'PIPELINE_PROD.RAW.GFN__COUNTRIES': [
        {
          FILE_NAME: keys[2]!,
          STATUS: 'Load failed',
          FIRST_ERROR_MESSAGE: "Numeric value 'abc' is not recognized",
        },
      ],
    });
    await expect(checkBatchLoaded(executor, 'PIPELINE_PROD', keys, 0, 30)).rejects.toThrow(
      /the warehouse failed to load 1 file\(s\): gfn\/countries\/.*: Numeric value 'abc' is not recognized/,
    );
  });

  it('counts the checks and gives up with what to look at when files stay pending', async () => {
    const executor = history({});
    expect(await checkBatchLoaded(executor, 'PIPELINE_PROD', keys, 0, 3)).toEqual({
      attempt: 1,
      loaded: 0,
      pending: 3,
    });
    await expect(checkBatchLoaded(executor, 'PIPELINE_PROD', keys, 2, 3)).rejects.toThrow(
      /3 file\(s\) not loaded after 3 checks.*SYSTEM\$PIPE_STATUS/,
    );
  });
});

describe('PIPELINE_RUNS', () => {
  it('records the run with its counts as bound values, idempotently (MERGE on the batch id)', async () => {
    const executor = new RecordingExecutor();
    await recordRun(executor, 'PIPELINE_PROD', {
      batchId: 'run-9',
      logicalDate: '2026-11-21',
      startedAt: '2026-11-22T06:00:00.000Z',
      finishedAt: '2026-11-22T06:04:00.000Z',
      counts: { resources: [], totals: { extracted: 10, valid: 9, rejected: 1, quarantinedPages: 0 } },
    });
    const [call] = executor.calls;
    expect(call!.sqlText).toMatch(
      /^MERGE INTO PIPELINE_PROD\.ANALYTICS\.PIPELINE_RUNS AS t .* ON t\.batch_id = s\.batch_id/,
    );
    expect(call!.binds).toEqual([
      'run-9',
      '2026-11-21',
      'PARTIAL',
      '2026-11-22T06:00:00.000Z',
      '2026-11-22T06:04:00.000Z',
      240,
      0,
      10,
      9,
      1,
    ]);
  });
});
