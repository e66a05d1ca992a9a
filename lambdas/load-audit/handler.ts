import { z } from 'zod';
import { logger } from '../shared/logger';
import { connectedWarehouse } from '../warehouse/snowflake-warehouse';
import { parseStepEvent } from '../shared/step-event';
import { reconcileResultSchema } from '../shared/step-messages';
import { checkBatchLoaded, LoadCheck } from './warehouse-loads';
import { recordRun } from './pipeline-runs';

export { useWarehouse } from '../warehouse/snowflake-warehouse';

const checkEventSchema = z.object({ summary: reconcileResultSchema, attempt: z.number().int().min(0) });

/** One turn of the state machine's wait loop: how many of the batch's files Snowflake has loaded. */
export async function checkLoads(event: z.input<typeof checkEventSchema>): Promise<LoadCheck> {
  const input = parseStepEvent(checkEventSchema, event, 'check-loads', '{ summary, attempt }');
  const { executor, database } = await connectedWarehouse();
  const keys = input.summary.resources.flatMap((resource) => resource.parquetKeys);
  const maxChecks = Number(process.env.LOAD_WAIT_MAX_CHECKS ?? 30);
  const check = await checkBatchLoaded(executor, database, keys, input.attempt, maxChecks);
  logger.info('warehouse loads checked', { batchId: input.summary.batchId, ...check, files: keys.length });
  return check;
}

const recordEventSchema = z.object({ summary: reconcileResultSchema, startedAt: z.string() });

/** The run's row in ANALYTICS.PIPELINE_RUNS, once its files are in. */
export async function recordRunInWarehouse(
  event: z.input<typeof recordEventSchema>,
): Promise<{ recorded: string }> {
  const input = parseStepEvent(recordEventSchema, event, 'record-run', '{ summary, startedAt }');
  const { executor, database } = await connectedWarehouse();
  await recordRun(executor, database, {
    batchId: input.summary.batchId,
    logicalDate: input.summary.logicalDate,
    startedAt: input.startedAt,
    finishedAt: new Date().toISOString(),
    counts: input.summary,
  });
  return { recorded: input.summary.batchId };
}
