import type { Context } from 'aws-lambda';
import { poweredHandler } from '../shared/powered-handler';
import { ConfigError } from '../shared/errors';
import { requiredEnv, stateBucketName } from '../shared/required-env';
import { logger } from '../shared/logger';
import { parseStepEvent, withStepLogging } from '../shared/step-event';
import { ExtractEvent, extractEventSchema, ExtractResult } from '../shared/step-messages';
import { createS3Client } from '../shared/s3-client';
import { StateStore } from '../shared/state-store';
import { ExtractDeps, extractResource } from './extract-resource';
import { loadSources } from '../sources';
import { SourceSecrets } from './source-secrets';

/** Leaves time to flush uploads and write the manifest before Lambda's hard stop. */
const SAFETY_MARGIN_MS = 60_000;
/** Pages one extract invocation lands at most before it hands a continuation back (bench/execution-scale.bench.ts). */
export const DEFAULT_MAX_PAGES_PER_INVOCATION = 500;

// Created once per container: clients, secrets cache and validated sources outlive an invocation.
let deps: Omit<ExtractDeps, 'secrets'> | undefined;
let sources: ReturnType<typeof loadSources> | undefined;
let secrets: SourceSecrets | undefined;

function containerDeps() {
  const rawBucket = requiredEnv('RAW_BUCKET');
  sources ??= loadSources();
  secrets ??= new SourceSecrets();
  if (!deps) {
    const s3 = createS3Client();
    deps = { s3, rawBucket, stateStore: new StateStore(s3, stateBucketName()), logger };
  }
  return { deps, sources, secrets };
}

async function handle(
  event: ExtractEvent,
  context?: Pick<Context, 'getRemainingTimeInMillis'>,
): Promise<ExtractResult> {
  const input = parseStepEvent(
    extractEventSchema,
    event,
    'extract',
    '{ source, resource, batchId, logicalDate } (and continuation when resuming)',
  );
  const { deps: shared, sources: known, secrets: sourceSecrets } = containerDeps();
  const source = known.get(input.source);
  if (!source) {
    throw new ConfigError(
      `unknown source "${input.source}"`,
      {},
      `use one of: ${[...known.keys()].join(', ')}`,
    );
  }
  return withStepLogging('extract', input, () => {
    const remaining = context?.getRemainingTimeInMillis();
    return extractResource(
      { ...shared, secrets: sourceSecrets.of(source.name) },
      {
        source,
        resource: input.resource,
        batchId: input.batchId,
        logicalDate: input.logicalDate,
        continuation: input.continuation ?? undefined,
        deadline: remaining === undefined ? undefined : Date.now() + remaining - SAFETY_MARGIN_MS,
        maxPagesPerInvocation: input.maxPagesPerInvocation ?? DEFAULT_MAX_PAGES_PER_INVOCATION,
        backfill: input.backfill ?? false,
      },
    );
  });
}

/** For tests and local mode: forget the per-container clients so new environment settings apply. */
export function resetContainer(): void {
  deps = undefined;
  sources = undefined;
  secrets = undefined;
}

/** The Lambda entry: the step, with the invocation's context in its logs and a cold-start metric. */
export const handler = poweredHandler(handle);
