import { logger } from '../shared/logger';
import { connectedWarehouse, snowflakeConfigured } from '../warehouse/snowflake-warehouse';
import { parseStepEvent } from '../shared/step-event';
import { evolvedCleanModels } from '../warehouse/clean-models';
import { SchemaRegistry } from '../contracts/schema-registry';
import { createS3Client } from '../shared/s3-client';
import { requiredEnv } from '../shared/required-env';
import { mergeFromStream } from '../warehouse/snowpipe-objects';
import type { SqlExecutor } from '../warehouse/sql-executor';
import { catalogueChecks } from './check-config';
import { snowflakeDialect } from './dialect';
import { qualityGate } from './quality-gate';
import { QualityEvent, qualityEventSchema, QualitySummary } from '../shared/step-messages';
import { runChecks } from './run-checks';

// The bundle carries the sources next to it: their checks, and the contracts the CLEAN models come from.
const checks = catalogueChecks();

/**
 * Brings CLEAN up to date with what this run loaded: the same MERGE the tasks run every 5 minutes, on
 * the same streams (so the tasks then find nothing left to do). A table whose contract evolved columns
 * (the schema registry's) gets them first, and merges from the whole RAW table: the task's MERGE, made
 * at deploy, does not carry them, so rows it merged since have them empty.
 */
async function refreshClean(executor: SqlExecutor, database: string): Promise<void> {
  const tables = new Set(
    (
      await executor.execute(
        `select table_name from ${database}.information_schema.tables where table_schema = 'CLEAN'`,
      )
    ).map((row) => String(row.TABLE_NAME ?? row.table_name)),
  );
  const registry = new SchemaRegistry(createS3Client(), requiredEnv('TRANSFORMED_BUCKET'));
  await executor.execute(`USE DATABASE ${database}`);
  for (const model of await evolvedCleanModels(registry)) {
    const table = model.table.toUpperCase();
    if (!tables.has(table)) continue;
    const { addColumns, merge, prune } = model.statements;
    for (const statement of addColumns) await executor.execute(statement);
    await executor.execute(addColumns.length ? merge : mergeFromStream(merge, database, table));
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
