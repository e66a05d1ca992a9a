import { loadContracts } from '../../lambdas/validate/contract';
import type { ValidateDeps } from '../../lambdas/validate/validate-resource';
import { RAW_BUCKET, TestEnvironment } from './environment';

/** Validate's dependencies on a test environment's s3rver and captured logs. */
export function validateDepsFor(env: TestEnvironment, contracts = loadContracts()): ValidateDeps {
  return {
    s3: env.s3,
    rawBucket: RAW_BUCKET,
    transformedBucket: 'transformed',
    failedBucket: 'failed',
    contracts,
    logger: env.logs,
  };
}
