import type { SqlBind, SqlExecutor } from '../../lambdas/warehouse/sql-executor';
import type { CleanModel } from '../../lambdas/warehouse/clean-models';
import type { Dialect } from '../../lambdas/quality/dialect';
import { PipelineRun, recordRun } from '../../lambdas/warehouse/pipeline-runs';
import { tableNamesIn } from '../../lambdas/quality/analytics-models';
import type { RunOutcome } from '../../lambdas/shared/run-outcome';
import { sqlName, sqlString } from '../../lambdas/shared/sql-text';

/** The warehouses a local run can fill: DuckDB's file (the default) or PostgreSQL (issue 21). */
export const WAREHOUSE_KINDS = ['duckdb', 'postgres'] as const;
export type WarehouseKind = (typeof WAREHOUSE_KINDS)[number];

export type LayerName = 'raw' | 'clean' | 'analytics';

/**
 * What a local run needs of its warehouse, whichever engine holds it: Snowpipe's load of a file into
 * RAW, the stream's merge, a session of its own for write-audit-publish, the run's row, and reads.
 * Both engines run the same statements (the CLEAN models, the checks, the ANALYTICS models, the run
 * log); each says how its SQL differs in its `dialect`.
 */
export interface PipelineWarehouse {
  readonly kind: WarehouseKind;
  /** Where it is, for people: the DuckDB file, or the PostgreSQL URL without its password. */
  readonly location: string;
  readonly dialect: Dialect;
  /** One file into its RAW table, once: the rows loaded, 0 when it was loaded before. */
  loadFile(fileName: string, bytes: Uint8Array): Promise<number>;
  /** The streaming path's CLEAN tables merged from RAW, as Snowflake's task does. */
  mergeStreamed(models?: CleanModel[]): Promise<string[]>;
  /** `work` on a session of its own (a transaction the loads must not join). */
  inSession<T>(work: (executor: SqlExecutor) => Promise<T>): Promise<T>;
  /** The run's row in ANALYTICS.PIPELINE_RUNS, with the statement the Snowflake step runs. */
  recordRun(run: PipelineRun): Promise<RunOutcome>;
  rows(sql: string, values?: SqlBind[]): Promise<Record<string, unknown>[]>;
  tableCounts(schema: LayerName): Promise<Array<{ table: string; rows: number }>>;
  executor(): SqlExecutor;
  close(): void | Promise<void>;
}

/** Rows per table of a layer (its tables and views, not the loader's own `_…` tables), by name. */
export async function countRowsPerTable(
  executor: SqlExecutor,
  schema: LayerName,
): Promise<Array<{ table: string; rows: number }>> {
  const tables = (
    await executor.execute(
      `select table_name from information_schema.tables where table_schema = ${sqlString(schema)} and table_name not like '\\_%' escape '\\' order by table_name`,
    )
  ).map((row) => String(row.table_name));
  const counts: Array<{ table: string; rows: number }> = [];
  for (const table of tables) {
    const [row] = await executor.execute(`select count(*)::integer as n from ${schema}.${sqlName(table)}`);
    counts.push({ table, rows: Number(row!.n) });
  }
  return counts;
}

/**
 * The streaming path's CLEAN tables brought up to date from all of RAW, as Snowflake's task on the RAW
 * table's stream does every five minutes (the same statements: the merge keeps the latest version, so
 * rows merged before change nothing). Batch tables are published only by a run's quality step.
 */
export async function mergeStreamedTables(
  executor: SqlExecutor,
  dialect: Dialect,
  models: readonly CleanModel[],
): Promise<string[]> {
  const rawTables = await tableNamesIn(executor, dialect, 'raw');
  const streamed = models.filter((model) => model.streamed && rawTables.has(model.table));
  for (const { statements } of streamed)
    for (const statement of [
      statements.create,
      ...statements.addColumns,
      statements.merge,
      ...(statements.prune ? [statements.prune] : []),
    ])
      await executor.execute(statement);
  return streamed.map((model) => model.table);
}

/** The run's row in ANALYTICS.PIPELINE_RUNS of the warehouse `executor` is connected to. */
export async function recordRunIn(executor: SqlExecutor, run: PipelineRun): Promise<RunOutcome> {
  const [row] = await executor.execute('select current_database() as database');
  return recordRun(executor, sqlName(String(row!.database)), run);
}
