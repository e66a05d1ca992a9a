import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { z } from 'zod';
import { ConfigError } from '../shared/errors';
import { logger } from '../shared/logger';
import { parseSnowflakeSecret, SnowflakeExecutor } from '../shared/snowflake-connection';
import { parseStepEvent } from '../shared/step-event';
import type { SqlExecutor } from '../snowflake-setup/sql-executor';
import type { RunCounts } from '../reconcile/reconcile';
import { checkBatchLoaded, LoadCheck } from './warehouse-loads';
import { recordRun } from './pipeline-runs';

interface Warehouse {
  executor: SqlExecutor;
  database: string;
}

let warehouse: Promise<Warehouse> | undefined;

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new ConfigError(`${name} is not set`, {}, `set ${name} in the function environment`);
  return value;
}

/** The connection is opened once per container and kept (a Lambda container serves many checks). */
async function openWarehouse(): Promise<Warehouse> {
  const secretArn = requiredEnv('SNOWFLAKE_SECRET_ARN');
  const answer = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: secretArn }));
  return {
    executor: new SnowflakeExecutor(parseSnowflakeSecret(answer.SecretString, secretArn), {
      warehouse: requiredEnv('SNOWFLAKE_WAREHOUSE'),
    }),
    database: requiredEnv('SNOWFLAKE_DATABASE').toUpperCase(),
  };
}

function connected(): Promise<Warehouse> {
  warehouse ??= openWarehouse().catch((error: unknown) => {
    warehouse = undefined;
    throw error;
  });
  return warehouse;
}

/** For tests: use this warehouse instead of the one the environment names. */
export function useWarehouse(replacement: Warehouse | undefined): void {
  warehouse = replacement && Promise.resolve(replacement);
}

const summarySchema = z
  .object({
    batchId: z.string(),
    logicalDate: z.string(),
    resources: z.array(z.object({ parquetKeys: z.array(z.string()) }).loose()),
    totals: z.object({
      extracted: z.number(),
      valid: z.number(),
      rejected: z.number(),
      quarantinedPages: z.number(),
    }),
  })
  .loose();

const checkEventSchema = z.object({ summary: summarySchema, attempt: z.number().int().min(0) });

/** One turn of the state machine's wait loop: how many of the batch's files Snowflake has loaded. */
export async function checkLoads(event: z.input<typeof checkEventSchema>): Promise<LoadCheck> {
  const input = parseStepEvent(checkEventSchema, event, 'check-loads', '{ summary, attempt }');
  const { executor, database } = await connected();
  const keys = input.summary.resources.flatMap((resource) => resource.parquetKeys);
  const maxChecks = Number(process.env.LOAD_WAIT_MAX_CHECKS ?? 30);
  const check = await checkBatchLoaded(executor, database, keys, input.attempt, maxChecks);
  logger.info('warehouse loads checked', { batchId: input.summary.batchId, ...check, files: keys.length });
  return check;
}

const recordEventSchema = z.object({ summary: summarySchema, startedAt: z.string() });

/** The run's row in ANALYTICS.PIPELINE_RUNS, once its files are in. */
export async function recordRunInWarehouse(
  event: z.input<typeof recordEventSchema>,
): Promise<{ recorded: string }> {
  const input = parseStepEvent(recordEventSchema, event, 'record-run', '{ summary, startedAt }');
  const { executor, database } = await connected();
  await recordRun(executor, database, {
    batchId: input.summary.batchId,
    logicalDate: input.summary.logicalDate,
    startedAt: input.startedAt,
    finishedAt: new Date().toISOString(),
    counts: input.summary as unknown as RunCounts,
  });
  return { recorded: input.summary.batchId };
}
