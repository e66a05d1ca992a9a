import type { QualitySummary, RunCounts } from '../shared/step-messages';
import { CaughtError, describeError, RunOutcome, runOutcome } from '../shared/run-outcome';
import type { SqlExecutor } from './sql-executor';

/** A run as PIPELINE_RUNS records it, whatever its outcome. */
export interface PipelineRun {
  batchId: string;
  logicalDate: string;
  startedAt: string;
  finishedAt: string;
  /** Reconcile's counts; none when the run failed before it. */
  counts?: RunCounts;
  quality?: QualitySummary;
  /** The state that failed, and what it failed with, on a failed run. */
  failure?: { step: string; error: CaughtError };
}

/**
 * One row per run in ANALYTICS.PIPELINE_RUNS, written as the run's last step on every path, the same
 * statement in Snowflake and in the local DuckDB warehouse; a retried step rewrites the same row.
 * Answers the status it recorded.
 */
export async function recordRun(
  executor: SqlExecutor,
  database: string,
  run: PipelineRun,
): Promise<RunOutcome> {
  const status = runOutcome({ failed: Boolean(run.failure), counts: run.counts, quality: run.quality });
  const totals = run.counts?.totals;
  const seconds = (Date.parse(run.finishedAt) - Date.parse(run.startedAt)) / 1000;
  const columns: Array<[string, string, string | number | null]> = [
    ['batch_id', 'VARCHAR', run.batchId],
    ['logical_date', 'DATE', run.logicalDate],
    ['status', 'VARCHAR', status],
    ['started_at', 'TIMESTAMPTZ', run.startedAt],
    ['finished_at', 'TIMESTAMPTZ', run.finishedAt],
    // FLOAT8: a double in Snowflake, DuckDB and PostgreSQL alike (DOUBLE is not PostgreSQL's name).
    ['duration_seconds', 'FLOAT8', seconds],
    ['resources', 'INTEGER', run.counts?.resources.length ?? 0],
    ['extracted', 'BIGINT', totals?.extracted ?? 0],
    ['valid', 'BIGINT', totals?.valid ?? 0],
    ['rejected', 'BIGINT', totals?.rejected ?? 0],
    ['failed_step', 'VARCHAR', run.failure?.step ?? null],
    ['error', 'VARCHAR', run.failure ? describeError(run.failure.error).slice(0, 2000) : null],
  ];
  const names = columns.map(([name]) => name);
  const updated = names.filter(
    (name) => name !== 'batch_id' && name !== 'logical_date' && name !== 'started_at',
  );
  await executor.execute(
    `MERGE INTO ${database}.ANALYTICS.PIPELINE_RUNS AS t USING (SELECT ${columns
      .map(([name, type]) => `CAST(? AS ${type}) AS ${name}`)
      .join(', ')}) AS s ON t.batch_id = s.batch_id ` +
      `WHEN MATCHED THEN UPDATE SET ${updated.map((name) => `${name} = s.${name}`).join(', ')} ` +
      `WHEN NOT MATCHED THEN INSERT (${names.join(', ')}) VALUES (${names.map((name) => `s.${name}`).join(', ')})`,
    columns.map(([, , value]) => value),
  );
  return status;
}
