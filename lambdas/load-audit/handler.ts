import * as z from 'zod';
import { poweredHandler } from '../shared/powered-handler';
import { logger } from '../shared/logger';
import { connectedWarehouse } from '../warehouse/snowflake-warehouse';
import { parseStepEvent } from '../shared/step-event';
import { qualitySummarySchema, reconcileResultSchema, runRequestSchema } from '../shared/step-messages';
import { checkBatchLoaded, LoadCheck } from './warehouse-loads';
import { PipelineRun, recordRun } from '../warehouse/pipeline-runs';
import { logicalDateOf } from '../shared/logical-date';

export { useWarehouse } from '../warehouse/snowflake-warehouse';

const checkEventSchema = z.object({ summary: reconcileResultSchema, attempt: z.number().int().min(0) });

/** One turn of the state machine's wait loop: how many of the batch's files Snowflake has loaded. */
async function checkLoadsStep(event: z.input<typeof checkEventSchema>): Promise<LoadCheck> {
  const input = parseStepEvent(checkEventSchema, event, 'check-loads', '{ summary, attempt }');
  const { executor, database } = await connectedWarehouse();
  const keys = input.summary.resources.flatMap((resource) => resource.parquetKeys);
  const maxChecks = Number(process.env.LOAD_WAIT_MAX_CHECKS ?? 30);
  const check = await checkBatchLoaded(executor, database, keys, input.attempt, maxChecks);
  logger.info('warehouse loads checked', { batchId: input.summary.batchId, ...check, files: keys.length });
  return check;
}

const recordEventSchema = z.object({
  batchId: z.string().min(1),
  startedAt: z.string().min(1),
  /** The execution's input: the day it was asked for, where the run failed before planning it. */
  input: runRequestSchema.nullish(),
  /** All the run holds when it ends: its day, counts and quality, or the step that failed and its error. */
  run: z
    .object({
      logicalDate: z.string().optional(),
      summary: reconcileResultSchema.optional(),
      quality: qualitySummarySchema.optional(),
      failedStep: z.string().optional(),
      error: z.object({ Error: z.string().optional(), Cause: z.string().optional() }).loose().optional(),
    })
    .loose(),
});

function runDay(logicalDate: string | undefined, scheduledTime: string | undefined, startedAt: string) {
  try {
    return logicalDateOf({ logicalDate, scheduledTime }, new Date(startedAt));
  } catch {
    return startedAt.slice(0, 10);
  }
}

/**
 * The run's row in ANALYTICS.PIPELINE_RUNS, its last write on every path: SUCCEEDED or PARTIAL after the
 * commit, FAILED with the step that failed and its error after a failure.
 */
async function recordRunStep(
  event: z.input<typeof recordEventSchema>,
): Promise<{ recorded: string; status: string }> {
  const input = parseStepEvent(recordEventSchema, event, 'record-run', '{ batchId, startedAt, input, run }');
  const { run } = input;
  const { executor, database } = await connectedWarehouse();
  const recorded: PipelineRun = {
    batchId: input.batchId,
    // As the plan decides it; a run that failed before its plan (or on a day it refused) is recorded
    // on the day it started.
    logicalDate: runDay(run.logicalDate, input.input?.scheduledTime, input.startedAt),
    startedAt: input.startedAt,
    finishedAt: new Date().toISOString(),
    counts: run.summary,
    quality: run.quality,
    ...(run.error ? { failure: { step: run.failedStep ?? 'unknown', error: run.error } } : {}),
  };
  const status = await recordRun(executor, database, recorded);
  logger.info('run recorded', { batchId: input.batchId, status, failedStep: run.failedStep });
  return { recorded: input.batchId, status };
}

/** The Lambda entries: each step with the invocation's context in its logs and a cold-start metric. */
export const checkLoads = poweredHandler(checkLoadsStep);
export const recordRunInWarehouse = poweredHandler(recordRunStep);
