import * as z from 'zod';
import { poweredHandler } from '../shared/powered-handler';
import { logger } from '../shared/logger';
import { stateBucketName } from '../shared/required-env';
import { createS3Client } from '../shared/s3-client';
import { parseStepEvent } from '../shared/step-event';
import { batchStepFields, plannedResourceSchema } from '../shared/step-messages';
import { LEASE_TTL_SECONDS, RunLeases } from './run-leases';

const leaseEventSchema = z.discriminatedUnion('action', [
  z.object({
    action: z.literal('acquire'),
    batchId: batchStepFields.batchId,
    executionArn: z.string().optional(),
    resources: z.array(plannedResourceSchema.loose()),
  }),
  z.object({ action: z.literal('release'), batchId: batchStepFields.batchId }),
]);

export type LeaseEvent = z.input<typeof leaseEventSchema>;

let leases: RunLeases | undefined;

/** First and last step of every run: take the run's resources, give them back (docs/runbook.md). */
async function handle(event: LeaseEvent): Promise<{ leases: string[] }> {
  const input = parseStepEvent(
    leaseEventSchema,
    event,
    'run-lease',
    '{ action: "acquire", batchId, resources: [...] } or { action: "release", batchId }',
  );
  leases ??= new RunLeases(createS3Client(), stateBucketName(), logger);
  if (input.action === 'acquire') {
    const ttlSeconds = Number(process.env.RUN_LEASE_TTL_SECONDS) || LEASE_TTL_SECONDS;
    const taken = await leases.acquire(input, input.resources, ttlSeconds * 1000);
    logger.info('run leases taken', { batchId: input.batchId, leases: taken });
    return { leases: taken };
  }
  const released = await leases.release(input.batchId);
  logger.info('run leases given back', { batchId: input.batchId, leases: released });
  return { leases: released };
}

/** For tests and local mode: forget the per-container client so new environment settings apply. */
export function resetContainer(): void {
  leases = undefined;
}

/** The Lambda entry: the step, with the invocation's context in its logs and a cold-start metric. */
export const handler = poweredHandler(handle);
