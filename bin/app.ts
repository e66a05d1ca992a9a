#!/usr/bin/env node
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { EnvironmentConfigError } from '../lib/config/environment-config';
import { environmentConfig } from '../lib/config/environments';
import { addPipelineStacks } from '../lib/pipeline-app';

/**
 * `cdk deploy -c env=dev` (or staging, prod): one stack per environment, in the account and region of
 * the AWS profile the CDK runs with. cdk-nag's AwsSolutions checks run on every synth and stop it on
 * any finding not acknowledged with a reason.
 */
const app = new App();
try {
  const config = environmentConfig(app.node.tryGetContext('env'), app.node.tryGetContext('overrides'));
  const env = { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION };
  addPipelineStacks(app, config, env);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
} catch (error) {
  // A configuration mistake is the user's to fix: the message says what, a stack trace would bury it.
  if (!(error instanceof EnvironmentConfigError)) throw error;
  console.error(`cdk: ${error.message}`);
  process.exit(1);
}
