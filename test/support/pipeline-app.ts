import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { environmentConfig } from '../../lib/config/environments';
import { PipelineStack } from '../../lib/pipeline-stack';
import { projectApp } from '../../lib/project-app';

/**
 * An App as `cdk synth` makes one (cdk.json's context) and, with `nag`, cdk-nag's AwsSolutions checks.
 * Lambda bundling is skipped; `.ci/run` bundles for real with `cdk synth`.
 */
export function testApp(nag = false): App {
  const app = projectApp({ bundling: false });
  if (nag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return app;
}

/** The pipeline stack of one environment, as `bin/app.ts` builds it. */
export function pipelineStack(envName: string, options: { overrides?: object; nag?: boolean } = {}) {
  const app = testApp(options.nag);
  const config = environmentConfig(envName, options.overrides);
  const stack = new PipelineStack(app, `Pipeline-${config.name}`, {
    config,
    env: { account: '123456789012', region: 'eu-west-1' },
  });
  return { app, stack, config };
}

const templates = new Map<string, Template>();

/** The synthesized template of an environment, built once per test file. */
export function pipelineTemplate(envName = 'prod'): Template {
  let template = templates.get(envName);
  if (!template) {
    template = Template.fromStack(pipelineStack(envName).stack);
    templates.set(envName, template);
  }
  return template;
}

type PolicyStatement = { Action: string | string[]; Resource: unknown; Effect?: string };

/** Every statement of the template's policies, or of those attached to one role. */
export function policyStatements(template: Template, roleLogicalId?: string): PolicyStatement[] {
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter(
      (policy) =>
        roleLogicalId === undefined ||
        policy.Properties.Roles.some((ref: { Ref: string }) => ref.Ref === roleLogicalId),
    )
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement);
}
