import { Match, Template } from 'aws-cdk-lib/assertions';
import { environmentConfig } from '../../lib/config/environments';
import { StreamingStack } from '../../lib/streaming-stack';
import { policyStatements, testApp } from '../support/pipeline-app';

function streamingStack(envName: string, nag = false, overrides?: object) {
  const app = testApp(nag);
  const config = environmentConfig(envName, overrides);
  const stack = new StreamingStack(app, `PipelineStreaming-${envName}`, {
    config: { ...config, streaming: config.streaming! },
    env: { account: '123456789012', region: 'eu-west-1' },
  });
  return { app, stack };
}

const template = Template.fromStack(streamingStack('prod').stack);

describe('the streaming stack', () => {
  it('requires an API key on POST /events and throttles per key and per stage', () => {
    template.hasResourceProperties('AWS::ApiGateway::Method', { HttpMethod: 'POST', ApiKeyRequired: true });
    template.hasResourceProperties('AWS::ApiGateway::UsagePlan', {
      Throttle: { RateLimit: 500, BurstLimit: 1000 },
    });
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'prod',
      TracingEnabled: true,
      AccessLogSetting: Match.objectLike({ DestinationArn: Match.anyValue() }),
      MethodSettings: [Match.objectLike({ ThrottlingRateLimit: 500, ThrottlingBurstLimit: 1000 })],
    });
  });

  it('encrypts the stream, which runs on demand', () => {
    template.hasResourceProperties('AWS::Kinesis::Stream', {
      StreamModeDetails: { StreamMode: 'ON_DEMAND' },
      StreamEncryption: { EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' },
    });
  });

  it('delivers GZIP JSON lines under stream/events/ of the transformed bucket, errors apart, with the configured buffering', () => {
    template.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
      DeliveryStreamType: 'KinesisStreamAsSource',
      ExtendedS3DestinationConfiguration: Match.objectLike({
        BucketARN: Match.anyValue(),
        Prefix: 'stream/events/dt=!{timestamp:yyyy-MM-dd}/',
        ErrorOutputPrefix: 'stream-errors/!{firehose:error-output-type}/dt=!{timestamp:yyyy-MM-dd}/',
        CompressionFormat: 'GZIP',
        FileExtension: '.jsonl.gz',
        BufferingHints: { IntervalInSeconds: 300, SizeInMBs: 128 },
      }),
    });
    const dev = Template.fromStack(streamingStack('dev').stack);
    dev.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
      ExtendedS3DestinationConfiguration: Match.objectLike({
        BufferingHints: { IntervalInSeconds: 5, SizeInMBs: 1 },
      }),
    });
  });

  it('lets the ingest function put records on the stream, write only under stream/ of the failed bucket, and read or delete only its request records', () => {
    const role = Object.keys(template.findResources('AWS::IAM::Role')).find((id) =>
      id.startsWith('ingestFunctionServiceRole'),
    )!;
    const statements = policyStatements(template, role);
    const s3 = statements.filter((statement) =>
      [statement.Action].flat().some((action) => action.startsWith('s3:')),
    );
    const objectsOf = (statement: (typeof s3)[number]) =>
      [statement.Resource]
        .flat()
        .map((resource) => JSON.stringify(resource))
        .filter((resource) => resource.includes('/'));
    const puts = s3.filter((statement) => [statement.Action].flat().includes('s3:PutObject'));
    expect(puts.flatMap((statement) => [statement.Action].flat()).sort()).toEqual(
      [
        's3:Abort*',
        's3:PutObject',
        's3:PutObjectLegalHold',
        's3:PutObjectRetention',
        's3:PutObjectTagging',
        's3:PutObjectVersionTagging',
      ].sort(),
    );
    expect(puts.flatMap(objectsOf).join()).toMatch(/-failed-.*\/stream\/\*/);
    const others = s3.filter((statement) => !puts.includes(statement));
    expect(others.flatMap((statement) => [statement.Action].flat()).sort()).toEqual(
      ['s3:DeleteObject*', 's3:GetBucket*', 's3:GetObject*', 's3:List*'].sort(),
    );
    for (const objects of others.map(objectsOf))
      for (const resource of objects) expect(resource).toMatch(/-failed-.*\/stream\/requests\/\*/);
    const kinesis = statements.filter((statement) =>
      [statement.Action].flat().some((action) => action.startsWith('kinesis:')),
    );
    expect(kinesis.flatMap((statement) => [statement.Action].flat())).toEqual(
      expect.arrayContaining(['kinesis:PutRecord', 'kinesis:PutRecords']),
    );
    expect(kinesis.flatMap((statement) => [statement.Action].flat())).not.toContain('kinesis:GetRecords');
  });

  it('lets Firehose write only under stream/ and stream-errors/ of the transformed bucket, and never delete or read elsewhere', () => {
    const roles = Object.keys(
      template.findResources('AWS::IAM::Role', {
        Properties: {
          AssumeRolePolicyDocument: Match.objectLike({
            Statement: Match.arrayWith([
              Match.objectLike({ Principal: { Service: 'firehose.amazonaws.com' } }),
            ]),
          }),
        },
      }),
    );
    // The service role (reads the stream) and the destination's role: neither may do more in S3.
    expect(roles.length).toBeGreaterThan(0);
    const s3 = roles
      .flatMap((id) => policyStatements(template, id))
      .filter((statement) => [statement.Action].flat().some((action) => action.startsWith('s3:')));
    const actions = s3.flatMap((statement) => [statement.Action].flat());
    expect(actions.filter((action) => /Delete|\*/.test(action))).toEqual([]);
    const objects = s3
      .flatMap((statement) => [statement.Resource].flat())
      .map((resource) => JSON.stringify(resource))
      .filter((resource) => resource.includes('/'));
    expect(objects).toHaveLength(2);
    expect(objects.some((resource) => resource.includes('/stream/*'))).toBe(true);
    expect(objects.some((resource) => resource.includes('/stream-errors/*'))).toBe(true);
  });

  it('alarms on ingest errors, iterator age and delivery failures, to the alerts topic', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map(
      (alarm) => alarm.Properties,
    );
    expect(alarms.map((alarm) => alarm.MetricName).sort()).toEqual([
      'DeliveryToS3.Success',
      'Errors',
      'GetRecords.IteratorAgeMilliseconds',
    ]);
    for (const alarm of alarms) expect(JSON.stringify(alarm.AlarmActions)).toContain('pipeline-prod-alerts');
  });

  it("keeps API Gateway's account-wide log role when an environment is deleted, and makes none where the account has one", () => {
    // dev's removal policy is destroy; the role is the account's, which other environments log through.
    const dev = Template.fromStack(streamingStack('dev').stack);
    dev.resourceCountIs('AWS::ApiGateway::Account', 1);
    const logRoles = Object.values(dev.findResources('AWS::IAM::Role')).filter((role) =>
      JSON.stringify(role).includes('AmazonAPIGatewayPushToCloudWatchLogs'),
    );
    expect(logRoles.map((role) => role.DeletionPolicy)).toEqual(['Retain']);
    const existing = Template.fromStack(
      streamingStack('prod', false, {
        streaming: { ...environmentConfig('prod').streaming, apiGatewayLogRole: 'existing' },
      }).stack,
    );
    existing.resourceCountIs('AWS::ApiGateway::Account', 0);
    existing.hasResourceProperties('AWS::ApiGateway::Stage', {
      AccessLogSetting: Match.objectLike({ DestinationArn: Match.anyValue() }),
    });
  });

  it('passes cdk-nag', () => {
    const { app } = streamingStack('prod', true);
    expect(() => app.synth()).not.toThrow();
  });
});
