import type { RunCounts } from '../shared/step-messages';
import type { SqlExecutor } from '../warehouse/sql-executor';

export interface RunToRecord {
  batchId: string;
  logicalDate: string;
  startedAt: string;
  finishedAt: string;
  counts: RunCounts;
}

/** One row per run in ANALYTICS.PIPELINE_RUNS; a retried step rewrites the same row. */
export async function recordRun(executor: SqlExecutor, database: string, run: RunToRecord): Promise<void> {
  const { totals } = run.counts;
  const status = totals.rejected > 0 || totals.quarantinedPages > 0 ? 'PARTIAL' : 'SUCCEEDED';
  const seconds = (Date.parse(run.finishedAt) - Date.parse(run.startedAt)) / 1000;
  await executor.execute(
    `MERGE INTO ${database}.ANALYTICS.PIPELINE_RUNS AS t USING (SELECT ? AS batch_id, ?::DATE AS logical_date, ? AS status, ?::TIMESTAMP_TZ AS started_at, ?::TIMESTAMP_TZ AS finished_at, ? AS duration_seconds, ? AS resources, ? AS extracted, ? AS valid, ? AS rejected) AS s ON t.batch_id = s.batch_id ` +
      'WHEN MATCHED THEN UPDATE SET status = s.status, finished_at = s.finished_at, duration_seconds = s.duration_seconds, resources = s.resources, extracted = s.extracted, valid = s.valid, rejected = s.rejected ' +
      'WHEN NOT MATCHED THEN INSERT (batch_id, logical_date, status, started_at, finished_at, duration_seconds, resources, extracted, valid, rejected) VALUES (s.batch_id, s.logical_date, s.status, s.started_at, s.finished_at, s.duration_seconds, s.resources, s.extracted, s.valid, s.rejected)',
    [
      run.batchId,
      run.logicalDate,
      status,
      run.startedAt,
      run.finishedAt,
      seconds,
      run.counts.resources.length,
      totals.extracted,
      totals.valid,
      totals.rejected,
    ],
  );
}
