import { Match, Template } from 'aws-cdk-lib/assertions';
import { pipelineStack, pipelineTemplate, policyStatements } from '../support/pipeline-app';
import { rawTablesOf } from '../../lib/constructs/snowpipe-integration';
import { loadContracts } from '../../lambdas/contracts/contract';
import type { SnowpipeProperties } from '../../lambdas/warehouse/snowpipe-objects';
import { resolveIntrinsics } from '../../lib/ops/snowflake-plan';
import { SETUP_TIME_LIMITS, TIME_PER_STATEMENT_MS } from '../../lambdas/snowflake-setup/time-limits';

const snowflake = {
  secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:pipeline/snowflake-AbCdEf',
  database: 'PIPELINE_PROD',
  warehouse: 'PIPELINE_WH',
};
const template = Template.fromStack(pipelineStack('prod', { overrides: { snowflake } }).stack);
const [customResourceId, customResource] = Object.entries(
  template.findResources('Custom::SnowpipeIntegration'),
)[0]!;
const attribute = (name: string) => ({ 'Fn::GetAtt': [customResourceId, name] });
/** The custom resource's properties, its references left as their names. */
const resolvedConfig = () => resolveIntrinsics(customResource.Properties.Config, (name) => name) as string;

describe('the Snowflake side in the template', () => {
  it('is absent from an environment without Snowflake settings', () => {
    pipelineTemplate('prod').resourceCountIs('Custom::SnowpipeIntegration', 0);
  });

  it("lets only Snowflake's user assume the access role, with the integration's external id", () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      RoleName: 'pipeline-prod-snowflake-access',
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Effect: 'Allow',
            Principal: { AWS: attribute('StorageAwsIamUserArn') },
            Condition: { StringEquals: { 'sts:ExternalId': attribute('StorageAwsExternalId') } },
          },
        ],
      },
    });
  });

  it("gives the access role read-only access to the tables' prefixes of the transformed bucket, nothing else", () => {
    const role = Object.keys(
      template.findResources('AWS::IAM::Role', {
        Properties: { RoleName: 'pipeline-prod-snowflake-access' },
      }),
    )[0]!;
    const statements = policyStatements(template, role);
    const actions = statements.flatMap((statement) => [statement.Action].flat());
    expect(actions.sort()).toEqual([
      's3:GetBucketLocation',
      's3:GetObject',
      's3:GetObjectVersion',
      's3:ListBucket',
    ]);
    const resources = JSON.stringify(statements.map((statement) => statement.Resource));
    expect(resources).toMatch(/BucketsTransformed/);
    expect(resources).not.toMatch(/BucketsRaw|BucketsFailed/);
    // Objects: each table's prefix, and no other (not _schemas/, _stats/ or stream-errors/).
    const prefixes = [...resources.matchAll(/"\/([^"*]*)\*"/g)].map((match) => match[1]).sort();
    const tables = (JSON.parse(resolvedConfig()) as SnowpipeProperties).tables
      .map((table) => table.prefix)
      .sort();
    expect(prefixes).toEqual(tables);
    expect(prefixes).toContain('stream/events/');
    const list = statements.find((statement) => statement.Action === 's3:ListBucket') as unknown as {
      Condition: { StringLike: { 's3:prefix': string[] } };
    };
    expect([...list.Condition.StringLike['s3:prefix']].sort()).toEqual(tables.map((prefix) => `${prefix}*`));
  });

  it("sends the transformed bucket's new Parquet parts to the pipes' notification channel", () => {
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      NotificationConfiguration: {
        QueueConfigurations: [
          {
            Events: ['s3:ObjectCreated:*'],
            QueueArn: attribute('NotificationChannel'),
            Filter: { Key: { FilterRules: [{ Name: 'suffix', Value: '.parquet' }] } },
          },
          Match.anyValue(),
        ],
      },
    });
  });

  it("loads the streaming path's JSON lines with a pipe of their own, told by a notification of their own", () => {
    const config = JSON.stringify(customResource.Properties.Config);
    expect(config).toContain('STREAM__EVENTS');
    expect(config).toContain('\\"format\\":\\"jsonl\\"');
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      NotificationConfiguration: {
        QueueConfigurations: Match.arrayWith([
          Match.objectLike({
            QueueArn: attribute('NotificationChannel'),
            Filter: {
              Key: {
                FilterRules: [
                  { Name: 'suffix', Value: '.jsonl.gz' },
                  { Name: 'prefix', Value: 'stream/' },
                ],
              },
            },
          }),
        ]),
      },
    });
  });

  it('has Snowflake report each failed load on a topic of its own, publishing as the errors role only it assumes, and alarms on it', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      RoleName: 'pipeline-prod-snowflake-load-errors',
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Effect: 'Allow',
            Principal: { AWS: attribute('LoadErrorsAwsIamUserArn') },
            Condition: { StringEquals: { 'sts:ExternalId': attribute('LoadErrorsAwsExternalId') } },
          },
        ],
      },
    });
    const topics = template.findResources('AWS::SNS::Topic', {
      Properties: { TopicName: 'pipeline-prod-snowflake-load-errors' },
    });
    const [topicId] = Object.keys(topics);
    expect(topicId).toBeDefined();
    const role = Object.keys(
      template.findResources('AWS::IAM::Role', {
        Properties: { RoleName: 'pipeline-prod-snowflake-load-errors' },
      }),
    )[0]!;
    const statements = policyStatements(template, role);
    expect(statements).toContainEqual(
      expect.objectContaining({ Action: 'sns:Publish', Resource: { Ref: topicId } }),
    );
    // The custom resource gives every pipe this topic (and its role) as the error integration.
    const config = JSON.stringify(customResource.Properties.Config);
    expect(config).toMatch(/loadErrors/);
    expect(config).toContain(topicId);
    expect(config).toContain('role/pipeline-prod-snowflake-load-errors');
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'NumberOfMessagesPublished',
      Namespace: 'AWS/SNS',
      Dimensions: [{ Name: 'TopicName', Value: { 'Fn::GetAtt': [topicId, 'TopicName'] } }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [Match.anyValue()],
      AlarmDescription: Match.stringLikeRegexp('docs/runbook.md#a-file-failed-to-load-into-snowflake'),
    });
  });

  it('names the integration role before it exists, and passes the secret by ARN only', () => {
    const config = JSON.stringify(customResource.Properties.Config);
    expect(config).toContain('role/pipeline-prod-snowflake-access');
    expect(config).toContain(snowflake.secretArn);
    expect(config).not.toMatch(/privateKey|password/i);
    // A RAW table per transformed table, with the Parquet columns in upper case.
    expect(config).toContain('FAKESTORE__CARTS__PRODUCTS');
    expect(config).toContain('fakestore/carts__products/');
    // cdk.json's minimizePolicies may merge the statement with others: look for the grant in any.
    expect(
      policyStatements(template).some(
        (statement) =>
          [statement.Action].flat().includes('secretsmanager:GetSecretValue') &&
          [statement.Resource].flat().includes(snowflake.secretArn),
      ),
    ).toBe(true);
  });

  it('names the stack and environment as the owner of what it creates, and adopts only what the configuration lists', () => {
    // The properties are one JSON document inside the template's own JSON (tokens joined in).
    const config = JSON.stringify(customResource.Properties.Config);
    expect(config).toMatch(/\\"owner\\":\\"[A-Za-z0-9-]+ \(prod\)\\"/);
    expect(config).not.toContain('adoptExisting');
    const adopting = Template.fromStack(
      pipelineStack('prod', { overrides: { snowflake: { ...snowflake, adoptExisting: ['PIPELINE_PROD'] } } })
        .stack,
    );
    const [, resource] = Object.entries(adopting.findResources('Custom::SnowpipeIntegration'))[0]!;
    expect(JSON.stringify(resource.Properties.Config)).toContain('\\"adoptExisting\\":[\\"PIPELINE_PROD\\"]');
  });

  it('gives each layer of the custom resource less time than the one that waits for it, with margin', () => {
    const functions = template.findResources('AWS::Lambda::Function');
    const timeoutOf = (handler: string) =>
      Object.values(functions).find((fn) => fn.Properties.Handler === handler)!.Properties.Timeout as number;
    const setup = timeoutOf('index.onEvent');
    const framework = timeoutOf('framework.onEvent');
    expect(setup).toBe(SETUP_TIME_LIMITS.functionSeconds);
    expect(framework).toBe(SETUP_TIME_LIMITS.frameworkSeconds);
    // The framework's function outlives the setup function, so a setup that runs out of time is
    // answered as a failure (not left for CloudFormation's hour).
    expect(framework - setup).toBeGreaterThanOrEqual(60);
    // A statement never outlives the function; the last one started still leaves time to undo.
    expect(SETUP_TIME_LIMITS.statementSeconds * 1000).toBeLessThan(TIME_PER_STATEMENT_MS);
    expect(TIME_PER_STATEMENT_MS).toBeLessThan(setup * 1000);
    expect(SETUP_TIME_LIMITS.lockSeconds).toBeLessThan(SETUP_TIME_LIMITS.statementSeconds);
  });

  it("marks the RAW tables of evolving contracts, and only those, for Snowpipe's schema evolution", () => {
    const tables = rawTablesOf(loadContracts().values());
    const evolving = tables.filter((table) => table.evolves).map((table) => table.name);
    expect(evolving).toEqual(expect.arrayContaining(['EVENTS_OAUTH__EVENTS', 'EVENTS_APIKEY__EVENTS']));
    expect(evolving).not.toContain('FAKESTORE__CARTS');
  });

  it('passes cdk-nag with Snowflake on', () => {
    const { app } = pipelineStack('prod', { overrides: { snowflake }, nag: true });
    expect(() => app.synth()).not.toThrow();
  });

  it('says what a wrong Snowflake setting should be', async () => {
    expect(() =>
      pipelineStack('prod', { overrides: { snowflake: { ...snowflake, database: 'pipeline-prod' } } }),
    ).toThrow(/snowflake\.database: a plain Snowflake identifier/);
  });
});
