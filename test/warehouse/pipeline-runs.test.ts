import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PipelineRun, recordRun } from '../../lambdas/warehouse/pipeline-runs';
import { LocalWarehouse } from '../../local/warehouse/warehouse';
import { RecordingExecutor } from '../support/recording-executor';

const counts = (rejected: number, warnings: string[] = []): NonNullable<PipelineRun['counts']> => ({
  resources: [
    {
      source: 'fakestore',
      resource: 'carts',
      pages: 1,
      extracted: 10,
      valid: 10 - rejected,
      rejected,
      quarantinedPages: 0,
      rejectKeys: [],
      tables: {},
      parquetKeys: [],
      warnings,
    },
  ],
  totals: { extracted: 10, valid: 10 - rejected, rejected, quarantinedPages: 0 },
});

const run = (more: Partial<PipelineRun> = {}): PipelineRun => ({
  batchId: 'run-9',
  logicalDate: '2026-11-21',
  startedAt: '2026-11-22T06:00:00.000Z',
  finishedAt: '2026-11-22T06:04:00.000Z',
  ...more,
});

const lambdaCause = (message: string) =>
  JSON.stringify({ errorType: 'TransportError', errorMessage: message, trace: ['at x'] });

describe('PIPELINE_RUNS', () => {
  it('records a run with its counts as bound values, idempotently (MERGE on the batch id)', async () => {
    const executor = new RecordingExecutor();
    await recordRun(executor, 'PIPELINE_PROD', run({ counts: counts(1) }));
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
      1,
      10,
      9,
      1,
      null,
      null,
    ]);
  });

  it('records a failed run with the step that failed and the error it failed with', async () => {
    const executor = new RecordingExecutor();
    await recordRun(
      executor,
      'PIPELINE_PROD',
      run({
        failure: {
          step: 'Extract resources',
          error: { Error: 'TransportError', Cause: lambdaCause('gfn answered 503 five times') },
        },
      }),
    );
    expect(executor.calls[0]!.binds!.slice(2, 3)).toEqual(['FAILED']);
    expect(executor.calls[0]!.binds!.slice(6)).toEqual([
      0,
      0,
      0,
      0,
      'Extract resources',
      'TransportError: gfn answered 503 five times',
    ]);
  });

  it('counts a warning as PARTIAL, as the run notice does', async () => {
    const executor = new RecordingExecutor();
    await recordRun(
      executor,
      'PIPELINE_PROD',
      run({ counts: counts(0), quality: { verdict: 'warn', checks: 2, failed: [], warned: ['x'] } }),
    );
    await recordRun(executor, 'PIPELINE_PROD', run({ counts: counts(0, ['a page came back short']) }));
    await recordRun(executor, 'PIPELINE_PROD', run({ counts: counts(0) }));
    expect(executor.calls.map((call) => call.binds![2])).toEqual(['PARTIAL', 'PARTIAL', 'SUCCEEDED']);
  });

  it('is the same statement on the local DuckDB warehouse: one row per run, rewritten by a retry', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'pipeline-runs-'));
    const warehouse = await LocalWarehouse.open(join(directory, 'warehouse.duckdb'));
    try {
      await warehouse.recordRun(
        run({ failure: { step: 'Check data quality', error: { Error: 'QualityGateError', Cause: 'x' } } }),
      );
      await warehouse.recordRun(run({ counts: counts(2), finishedAt: '2026-11-22T06:05:00.000Z' }));
      await warehouse.recordRun(run({ batchId: 'run-10', counts: counts(0) }));
      const rows = await warehouse.rows(
        'select batch_id, status, duration_seconds, rejected::integer as rejected, failed_step, error from analytics.pipeline_runs order by batch_id',
      );
      expect(rows).toEqual([
        {
          batch_id: 'run-10',
          status: 'SUCCEEDED',
          duration_seconds: 240,
          rejected: 0,
          failed_step: null,
          error: null,
        },
        {
          batch_id: 'run-9',
          status: 'PARTIAL',
          duration_seconds: 300,
          rejected: 2,
          failed_step: null,
          error: null,
        },
      ]);
    } finally {
      warehouse.close();
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
