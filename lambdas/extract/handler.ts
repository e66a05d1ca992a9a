import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { ConfigError } from '../shared/errors';
import { logger } from '../shared/logger';
import { createS3Client } from '../shared/s3-client';
import { defaultSecretResolver } from '../shared/secrets';
import { StateStore } from '../shared/state-store';
import { ExtractDeps, ExtractResult, extractResource } from './extract-resource';
import { loadSources } from './sources';

/** What the state machine passes to extract: one source/resource of one batch, maybe a continuation. */
const extractEventSchema = z
  .object({
    source: z.string().min(1),
    resource: z.string().min(1),
    batchId: z.string().regex(/^[A-Za-z0-9_.:-]{1,80}$/, 'letters, digits and _ . : - only, at most 80'),
    logicalDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD'),
    continuation: z
      .object({
        nextPartition: z.number().int().min(0),
        paused: z.array(
          z.object({
            partition: z.number().int().min(0),
            state: z
              .object({
                offset: z.number().optional(),
                page: z.number().optional(),
                cursor: z.string().optional(),
                nextUrl: z.string().optional(),
              })
              .strict(),
            nextPage: z.number().int().min(1),
          }),
        ),
        startCursor: z.union([z.string(), z.number()]).optional(),
        stateEtag: z.string().optional(),
      })
      .nullish(),
    maxPagesPerInvocation: z.number().int().positive().optional(),
  })
  .loose();

export type ExtractEvent = z.input<typeof extractEventSchema>;

/** Leaves time to flush uploads and write the manifest before Lambda's hard stop. */
const SAFETY_MARGIN_MS = 60_000;
const DEFAULT_MAX_PAGES_PER_INVOCATION = 500;

// Created once per container: clients, secrets cache and validated sources outlive an invocation.
let deps: ExtractDeps | undefined;
let sources: ReturnType<typeof loadSources> | undefined;

function containerDeps(): { deps: ExtractDeps; sources: NonNullable<typeof sources> } {
  const rawBucket = process.env.RAW_BUCKET;
  if (!rawBucket) {
    throw new ConfigError(
      'RAW_BUCKET is not set',
      {},
      'set RAW_BUCKET to the raw bucket name in the function environment',
    );
  }
  sources ??= loadSources();
  if (!deps) {
    const s3 = createS3Client();
    deps = {
      s3,
      rawBucket,
      stateStore: new StateStore(s3, process.env.STATE_BUCKET ?? rawBucket),
      secrets: defaultSecretResolver(),
      logger,
    };
  }
  return { deps, sources };
}

export async function handler(
  event: ExtractEvent,
  context?: Pick<Context, 'getRemainingTimeInMillis'>,
): Promise<ExtractResult> {
  const parsed = extractEventSchema.safeParse(event);
  if (!parsed.success) {
    throw new ConfigError(
      `extract event is invalid: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`,
      {},
      'pass { source, resource, batchId, logicalDate } (and continuation when resuming)',
    );
  }
  const input = parsed.data;
  const { deps: shared, sources: known } = containerDeps();
  const source = known.get(input.source);
  if (!source) {
    throw new ConfigError(
      `unknown source "${input.source}"`,
      {},
      `use one of: ${[...known.keys()].join(', ')}`,
    );
  }
  logger.appendKeys({
    step: 'extract',
    batchId: input.batchId,
    source: input.source,
    resource: input.resource,
  });
  try {
    const remaining = context?.getRemainingTimeInMillis();
    return await extractResource(shared, {
      source,
      resource: input.resource,
      batchId: input.batchId,
      logicalDate: input.logicalDate,
      continuation: input.continuation ?? undefined,
      deadline: remaining === undefined ? undefined : Date.now() + remaining - SAFETY_MARGIN_MS,
      maxPagesPerInvocation: input.maxPagesPerInvocation ?? DEFAULT_MAX_PAGES_PER_INVOCATION,
    });
  } catch (error) {
    logger.error('extract failed', error as Error);
    throw error;
  } finally {
    logger.removeKeys(['step', 'batchId', 'source', 'resource']);
  }
}

/** For tests and local mode: forget the per-container clients so new environment settings apply. */
export function resetContainer(): void {
  deps = undefined;
  sources = undefined;
}
