import { environmentConfig } from '../config/environments';
import { addPipelineStacks } from '../pipeline-app';
import { projectApp } from '../project-app';
import type { StackLocation, StackTemplate } from './snowflake-plan';

/**
 * The template `cdk deploy -c env=<env> -c overrides=…` would deploy from this checkout for the batch
 * stack, built by the same code as bin/app.ts, without bundling the functions (seconds, no network).
 */
export function desiredPipelineTemplate(
  envName: string,
  overrides: unknown,
  location?: StackLocation,
): StackTemplate {
  const app = projectApp({ bundling: false });
  const config = environmentConfig(envName, overrides);
  const { pipeline } = addPipelineStacks(
    app,
    config,
    location ? { account: location.account, region: location.region } : {},
  );
  return app.synth().getStackByName(pipeline.stackName).template as StackTemplate;
}
