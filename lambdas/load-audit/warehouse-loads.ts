import { WarehouseLoadError } from '../shared/errors';
import type { SqlExecutor } from '../warehouse/sql-executor';

export interface LoadStatus {
  loaded: number;
  pending: string[];
  failed: Array<{ file: string; error: string }>;
}

/** `fakestore/carts__products/dt=…/part-….parquet` → `FAKESTORE__CARTS__PRODUCTS`. */
export function rawTableOf(key: string): string {
  const [source, table] = key.split('/');
  if (!source || !table) throw new Error(`${key} is not a transformed table part`);
  return `${source}__${table}`.toUpperCase();
}

/**
 * Where each of a batch's Parquet parts stands in Snowflake, from COPY_HISTORY of the RAW tables they
 * load into (the last 24 hours: a batch is checked right after it was written).
 */
export async function loadStatus(
  executor: SqlExecutor,
  database: string,
  keys: readonly string[],
): Promise<LoadStatus> {
  const status: LoadStatus = { loaded: 0, pending: [], failed: [] };
  const byTable = new Map<string, string[]>();
  for (const key of keys) byTable.set(rawTableOf(key), [...(byTable.get(rawTableOf(key)) ?? []), key]);
  for (const [table, tableKeys] of byTable) {
    const history = await executor.execute(
      `SELECT FILE_NAME, STATUS, FIRST_ERROR_MESSAGE FROM TABLE(${database}.INFORMATION_SCHEMA.COPY_HISTORY(TABLE_NAME => ?, START_TIME => DATEADD(HOUR, -24, CURRENT_TIMESTAMP())))`,
      [`${database}.RAW.${table}`],
    );
    for (const key of tableKeys) {
      // COPY_HISTORY names a file by its path under the stage, which is the object key.
      const entry = history.find((row) => String(row.FILE_NAME).endsWith(key));
      const state = String(entry?.STATUS ?? '').toLowerCase();
      if (state === 'loaded') status.loaded += 1;
      else if (state.includes('fail') || state.includes('partially'))
        status.failed.push({ file: key, error: String(entry?.FIRST_ERROR_MESSAGE ?? entry?.STATUS) });
      else status.pending.push(key);
    }
  }
  return status;
}

/** A run's files the warehouse refused, each with its error: in Snowflake and in the local warehouse alike. */
export function failedLoadsError(failed: ReadonlyArray<{ file: string; error: string }>): WarehouseLoadError {
  return new WarehouseLoadError(
    `the warehouse failed to load ${failed.length} file(s): ${failed
      .map((failure) => `${failure.file}: ${failure.error}`)
      .join('; ')
      .slice(0, 2000)}`,
    {},
    'fix the cause the warehouse gives (often a column type that changed), then reload the file with COPY INTO or re-run the day (docs/snowflake.md)',
  );
}

/** What the state machine's wait loop carries from one check to the next. */
export interface LoadCheck {
  attempt: number;
  loaded: number;
  pending: number;
}

/** One check of the wait loop: fails on a file Snowflake rejected, or when the last allowed check still finds files pending. */
export async function checkBatchLoaded(
  executor: SqlExecutor,
  database: string,
  keys: readonly string[],
  attempt: number,
  maxChecks: number,
): Promise<LoadCheck> {
  const status = await loadStatus(executor, database, keys);
  if (status.failed.length) throw failedLoadsError(status.failed);
  const next = attempt + 1;
  if (status.pending.length && next >= maxChecks) {
    throw new WarehouseLoadError(
      `${status.pending.length} file(s) not loaded after ${next} checks, e.g. ${status.pending[0]}`,
      {},
      "check the pipe with SELECT SYSTEM$PIPE_STATUS('<DB>.RAW.<TABLE>_PIPE') and the bucket notification; ALTER PIPE … REFRESH loads files staged in the last 7 days (docs/snowflake.md)",
    );
  }
  return { attempt: next, loaded: status.loaded, pending: status.pending.length };
}
