import { EnvironmentConfigError, parseEnvironmentConfig, EnvironmentConfig } from './environment-config';

const daily = { expression: 'cron(0 6 * * ? *)', enabled: true };

/**
 * The environments shipped out of the box. Account and region come from the CDK environment
 * (`CDK_DEFAULT_ACCOUNT`/`CDK_DEFAULT_REGION`, i.e. the AWS profile `cdk deploy` runs with).
 */
export const environments: Record<string, unknown> = {
  dev: {
    name: 'dev',
    // Runs are started by hand in dev; enable to rehearse the schedule.
    schedule: { ...daily, enabled: false },
    retention: {
      logDays: 14,
      failedDays: 14,
      rawInfrequentAccessDays: 30,
      rawGlacierDays: 90,
      transformedInfrequentAccessDays: 30,
    },
    memoryMb: { extract: 1024, validate: 1024, small: 256 },
    maxConcurrency: 4,
    removalPolicy: 'destroy',
    // Every transition with its data, to follow a run while developing.
    stateMachineLogging: { level: 'ALL', includeExecutionData: true },
    // Small buffers in development: events show up in seconds.
    streaming: { rateLimit: 20, burstLimit: 40, bufferingSizeMiB: 1, bufferingIntervalSeconds: 5 },
  },
  staging: {
    name: 'staging',
    schedule: daily,
    retention: {
      logDays: 30,
      failedDays: 30,
      rawInfrequentAccessDays: 30,
      rawGlacierDays: 180,
      transformedInfrequentAccessDays: 60,
    },
    memoryMb: { extract: 1024, validate: 1769, small: 256 },
    maxConcurrency: 8,
    removalPolicy: 'retain',
    streaming: { rateLimit: 100, burstLimit: 200, bufferingSizeMiB: 64, bufferingIntervalSeconds: 300 },
  },
  prod: {
    name: 'prod',
    schedule: daily,
    retention: {
      logDays: 90,
      failedDays: 90,
      rawInfrequentAccessDays: 30,
      rawGlacierDays: 365,
      transformedInfrequentAccessDays: 90,
    },
    memoryMb: { extract: 1769, validate: 1769, small: 256 },
    maxConcurrency: 8,
    removalPolicy: 'retain',
    // Larger objects load better in Snowpipe (100-250 MB is its sweet spot); 5 minutes of latency at most.
    streaming: { rateLimit: 500, burstLimit: 1000, bufferingSizeMiB: 128, bufferingIntervalSeconds: 300 },
  },
};

/**
 * The configuration of `cdk deploy -c env=<name>`, with optional overrides from `-c overrides='{…}'`
 * (e.g. `{"alertEmail":"data-oncall@example.com"}`), validated as a whole.
 */
export function environmentConfig(name: unknown, overrides?: unknown): EnvironmentConfig {
  const known = Object.keys(environments).join(', ');
  if (typeof name !== 'string' || !name) {
    throw new EnvironmentConfigError(`no environment chosen: pass -c env=<name> to cdk (one of ${known})`);
  }
  const base = environments[name];
  if (!base) throw new EnvironmentConfigError(`unknown environment "${name}": use one of ${known}`);
  let extra: unknown = overrides ?? {};
  if (typeof extra === 'string') {
    try {
      extra = JSON.parse(extra);
    } catch {
      throw new EnvironmentConfigError(`-c overrides is not JSON: ${extra}`);
    }
  }
  return parseEnvironmentConfig(mergeDeep(base, extra ?? {}), `"${name}"`);
}

/**
 * The overrides laid over the environment, object by object: `{"memoryMb":{"extract":2048}}` changes
 * extract's memory and keeps the others. Anything that is not an object (a list, a number) replaces
 * what was there.
 */
export function mergeDeep(base: unknown, overrides: unknown): unknown {
  const isObject = (value: unknown): value is Record<string, unknown> =>
    typeof value === 'object' && value !== null && !Array.isArray(value);
  if (!isObject(base) || !isObject(overrides)) return overrides;
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overrides)) merged[key] = mergeDeep(base[key], value);
  return merged;
}
