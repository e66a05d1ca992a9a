import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';

/**
 * An App as `cdk synth` makes one from this checkout: cdk.json's context (its feature flags). Without
 * `bundling`, Lambda code is not bundled (the template is the same but for asset hashes): what the
 * template tests and the Snowflake dry run need, in seconds and without the network.
 */
export function projectApp(options: { bundling: boolean }): App {
  const { context } = JSON.parse(readFileSync(join(__dirname, '..', 'cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  };
  return new App({ context: { ...context, ...(options.bundling ? {} : { 'aws:cdk:bundling-stacks': [] }) } });
}
