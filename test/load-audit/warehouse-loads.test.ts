import { checkBatchLoaded, loadStatus } from '../../lambdas/load-audit/warehouse-loads';
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
