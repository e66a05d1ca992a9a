import { logger } from '../shared/logger';
import { poweredHandler } from '../shared/powered-handler';
import { connectedWarehouse, snowflakeConfigured } from '../warehouse/snowflake-warehouse';
import { parseStepEvent } from '../shared/step-event';
import { evolvedCleanModels } from '../warehouse/clean-models';
import { loadAnalyticsModels } from './analytics-models';
import { SchemaRegistry } from '../contracts/schema-registry';
import { createS3Client } from '../shared/s3-client';
import { requiredEnv } from '../shared/required-env';
import { catalogueChecks } from './check-config';
import { snowflakeDialect } from './dialect';
import { qualityGate } from './quality-gate';
import { QualityEvent, qualityEventSchema, QualitySummary } from '../shared/step-messages';
import { writeAuditPublish } from './write-audit-publish';

// The bundle carries the sources next to it (their checks, and the contracts the CLEAN models come
// from) and sql/models/analytics.
const checks = catalogueChecks();
const analyticsModels = loadAnalyticsModels();

/**
 * The post-load step: write, audit, publish. The batch's RAW rows are merged into CLEAN and every
 * check runs on the result in one transaction, kept only if the gate passes; ANALYTICS is then rebuilt
 * from CLEAN. One result row per check in ANALYTICS.DQ_CHECK_RESULTS either way. CLEAN's models carry
 * the columns evolve mode added (the schema registry's). Without Snowflake there is no warehouse here:
 * the step answers `skipped` (local mode runs the same function on DuckDB).
 */
async function handle(event: QualityEvent): Promise<QualitySummary> {
  const input = parseStepEvent(qualityEventSchema, event, 'quality', '{ batchId, logicalDate }');
  if (!snowflakeConfigured()) return { verdict: 'skipped', checks: 0, failed: [], warned: [] };
  const { executor, database } = await connectedWarehouse();
  const registry = new SchemaRegistry(createS3Client(), requiredEnv('TRANSFORMED_BUCKET'));
  await executor.execute(`USE DATABASE ${database}`);
  const outcome = await writeAuditPublish({
    executor,
    dialect: snowflakeDialect,
    batchId: input.batchId,
    logicalDate: input.logicalDate,
    cleanModels: await evolvedCleanModels(registry),
    checks,
    analyticsModels,
  });
  logger.info('data quality checked', {
    batchId: input.batchId,
    verdict: outcome.verdict,
    checks: outcome.results.length,
    published: outcome.published,
    analytics: outcome.analytics,
  });
  return qualityGate(outcome);
}

/** The Lambda entry: the step, with the invocation's context in its logs and a cold-start metric. */
export const handler = poweredHandler(handle);
