import { Validations } from 'aws-cdk-lib';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { pipelineStack } from '../support/pipeline-app';

// cdk-nag v3 runs as a CDK validation plugin: any AwsSolutions finding not acknowledged (with its
// reason, next to the resource in lib/) interrupts synthesis.
describe('cdk-nag AwsSolutions', () => {
  it.each(['dev', 'staging', 'prod'])('finds nothing unacknowledged in %s', (envName) => {
    const { app } = pipelineStack(envName, { nag: true });
    expect(() => app.synth()).not.toThrow();
  });

  it('fails synthesis on a finding nobody acknowledged', () => {
    const { app, stack } = pipelineStack('dev', { nag: true });
    new Bucket(stack, 'CarelessBucket'); // no TLS policy, no access logs
    expect(() => app.synth()).toThrow(/AwsSolutions-S10/);
  });

  it('gives a reason for every acknowledgement', () => {
    const { stack } = pipelineStack('prod');
    const acknowledged = stack.node
      .findAll()
      .flatMap((construct) =>
        construct.node.metadata.filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY),
      )
      .flatMap((entry) => Object.entries(entry.data as Record<string, string>));
    expect(acknowledged.length).toBeGreaterThan(10);
    for (const [, reason] of acknowledged) expect(reason.length).toBeGreaterThan(30);
  });
});
