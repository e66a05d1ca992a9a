import { gunzipSync } from 'node:zlib';
import type { S3Client } from '@aws-sdk/client-s3';
import {
  compileContract,
  Contract,
  ContractMode,
  createValidator,
  loadContracts,
} from '../../lambdas/contracts/contract';
import type { RejectLine } from '../../lambdas/validate/reject-sink';
import type { ValidateDeps } from '../../lambdas/validate/validate-resource';
import { RAW_BUCKET, readObjectBytes, TestEnvironment } from './environment';

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

/** A contract for the resource `test/<resource>`: the given properties, `id` the primary key. */
export function testContract(
  resource: string,
  mode: ContractMode,
  properties: Record<string, unknown>,
  required: string[] = ['id'],
): Contract {
  const schema = {
    $id: `contracts/test/${resource}`,
    'x-pipeline': { mode, primaryKey: ['id'] },
    type: 'object',
    required,
    properties,
  };
  return compileContract('test', resource, schema, createValidator());
}

/** The lines of a reject file in the failed bucket. */
export async function readRejectLines(s3: S3Client, key: string): Promise<RejectLine[]> {
  return gunzipSync(await readObjectBytes(s3, 'failed', key))
    .toString('utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as RejectLine);
}
