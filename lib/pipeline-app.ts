import type { App, Environment } from 'aws-cdk-lib';
import type { EnvironmentConfig } from './config/environment-config';
import { PipelineStack } from './pipeline-stack';
import { StreamingStack } from './streaming-stack';

/**
 * The stacks of one environment: `Pipeline-<env>`, and `PipelineStreaming-<env>` when the environment
 * has a `streaming` section. `cdk deploy` (bin/app.ts) and the Snowflake dry run build them here alike.
 */
export function addPipelineStacks(
  app: App,
  config: EnvironmentConfig,
  env: Environment,
): { pipeline: PipelineStack; streaming?: StreamingStack } {
  const tags = { application: 'api-snowflake-pipeline', environment: config.name };
  const pipeline = new PipelineStack(app, `Pipeline-${config.name}`, {
    config,
    env,
    description: `API → S3 → Snowflake pipeline (${config.name})`,
    tags,
  });
  if (!config.streaming) return { pipeline };
  const streaming = new StreamingStack(app, `PipelineStreaming-${config.name}`, {
    config: { ...config, streaming: config.streaming },
    env,
    description: `Real-time events → Kinesis → Firehose → S3 (${config.name})`,
    tags,
  });
  return { pipeline, streaming };
}
