import { ConfigError } from './errors';

/** A setting the function cannot run without; its absence is a ConfigError naming it. */
export function requiredEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (!value) throw new ConfigError(`${name} is not set`, {}, `set ${name} in the function environment`);
  return value;
}

/**
 * Where the cursors live: STATE_BUCKET, else the raw bucket (environments keep them beside the raw
 * data unless their configuration names a bucket of their own).
 */
export function stateBucketName(env: NodeJS.ProcessEnv = process.env): string {
  const bucket = env.STATE_BUCKET || env.RAW_BUCKET;
  if (!bucket)
    throw new ConfigError(
      'STATE_BUCKET is not set',
      {},
      'set STATE_BUCKET (or RAW_BUCKET) in the function environment',
    );
  return bucket;
}
