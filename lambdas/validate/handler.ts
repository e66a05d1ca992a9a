import { logger } from '../shared/logger';
import { poweredHandler } from '../shared/powered-handler';
import { parseStepEvent, withStepLogging } from '../shared/step-event';
import { ValidateEvent, validateEventSchema, ValidateResult } from '../shared/step-messages';
import { createS3Client } from '../shared/s3-client';
import { loadContracts } from '../contracts/contract';
import { ValidateDeps, validateResource } from './validate-resource';
import { requiredEnv } from '../shared/required-env';

let deps: ValidateDeps | undefined;

// Contracts are compiled once per container: a malformed one fails the cold start, naming itself.
function containerDeps(): ValidateDeps {
  deps ??= {
    s3: createS3Client(),
    rawBucket: requiredEnv('RAW_BUCKET'),
    transformedBucket: requiredEnv('TRANSFORMED_BUCKET'),
    failedBucket: requiredEnv('FAILED_BUCKET'),
    contracts: loadContracts(),
    logger,
    fastPath: process.env.VALIDATE_FAST_PATH !== 'off',
  };
  return deps;
}

async function handle(event: ValidateEvent): Promise<ValidateResult> {
  const input = parseStepEvent(
    validateEventSchema,
    event,
    'validate',
    '{ source, resource, batchId, logicalDate } (and pageGroup for a split resource)',
  );
  return withStepLogging('validate', input, () => validateResource(containerDeps(), input));
}

/** For tests and local mode: forget the per-container clients so new environment settings apply. */
export function resetContainer(): void {
  deps = undefined;
}

/** The Lambda entry: the step, with the invocation's context in its logs and a cold-start metric. */
export const handler = poweredHandler(handle);
