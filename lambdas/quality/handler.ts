import { logger } from '../shared/logger';
import { connectedWarehouse, snowflakeConfigured } from '../warehouse/snowflake-warehouse';
import { parseStepEvent } from '../shared/step-event';
import { cleanModelStatements } from '../warehouse/clean-models';
import { mergeFromStream } from '../warehouse/snowpipe-objects';
import type { SqlExecutor } from '../warehouse/sql-executor';
import { catalogueChecks } from './check-config';
import { snowflakeDialect } from './dialect';
import { qualityGate } from './quality-gate';
import { QualityEvent, qualityEventSchema, QualitySummary } from '../shared/step-messages';
import { runChecks } from './run-checks';

// The bundle carries the sources next to it: their checks, and the contracts the CLEAN models come from.
const checks = catalogueChecks();
// Generated on the first refresh, not at cold start: only a run with Snowflake needs them.
let cleanModels: Map<string, string[]> | undefined;

/**
 * Brings CLEAN up to date with what this run loaded: the same MERGE the tasks run every 5 minutes,
 * on the same streams (so the tasks then find nothing left to do).
 */
async function refreshClean(executor: SqlExecutor, database: string): Promise<void> {
  const tables = new Set(
    (
      await executor.execute(
        `select table_name from ${database}.information_schema.tables where table_schema = 'CLEAN'`,
      )
    ).map((row) => String(row.TABLE_NAME ?? row.table_name)),
  );
  await executor.execute(`USE DATABASE ${database}`);
  for (const [table, [, merge, prune]] of (cleanModels ??= cleanModelStatements())) {
    if (!tables.has(table) || !merge) continue;
    await executor.execute(mergeFromStream(merge, database, table));
    if (prune) await executor.execute(prune);
  }
}

/**
 * The post-load quality step: every check against CLEAN, one result row each in
 * ANALYTICS.DQ_CHECK_RESULTS, and the gate. Without Snowflake there is no warehouse to check here:
 * the step answers `skipped` (local mode runs the same checks on DuckDB).
 */
export async function handler(event: QualityEvent): Promise<QualitySummary> {
  const input = parseStepEvent(qualityEventSchema, event, 'quality', '{ batchId }');
  if (!snowflakeConfigured()) return { verdict: 'skipped', checks: 0, failed: [], warned: [] };
  const { executor, database } = await connectedWarehouse();
  await refreshClean(executor, database);
  await executor.execute(`USE DATABASE ${database}`);
  const outcome = await runChecks(executor, checks, snowflakeDialect, input.batchId);
  logger.info('data quality checked', {
    batchId: input.batchId,
    verdict: outcome.verdict,
    checks: outcome.results.length,
  });
  return qualityGate(outcome);
}
