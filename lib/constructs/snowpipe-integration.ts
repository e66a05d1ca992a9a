import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Aws, CfnElement, CustomResource, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { ArnPrincipal, PolicyStatement, Role } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Bucket, EventType } from 'aws-cdk-lib/aws-s3';
import { SqsDestination } from 'aws-cdk-lib/aws-s3-notifications';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { ITopic, Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { Provider } from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import type { RawTableSpec, SnowpipeProperties } from '../../lambdas/warehouse/snowpipe-objects';
import type { Contract } from '../../lambdas/contracts/contract';
import { writtenColumns } from '../../lambdas/contracts/table-spec';
import { catalogueCleanModels } from '../../lambdas/warehouse/clean-models';
import { SETUP_TIME_LIMITS } from '../../lambdas/snowflake-setup/time-limits';
import { PipelineFunction, sourceFoldersNextToHandler } from './pipeline-function';
import { acceptFinding, arnToken } from './nag-acknowledgements';

const repositoryRoot = join(__dirname, '..', '..');

/** The RAW table of every table the contracts' validate writes: its Parquet columns, its stage prefix. */
export function rawTablesOf(contracts: Iterable<Contract>): RawTableSpec[] {
  const tables: RawTableSpec[] = [];
  for (const contract of contracts) {
    const [main] = contract.tables;
    // The streaming path's table comes from Firehose as gzip JSON lines (lib/streaming-stack.ts).
    const streamed = contract.source === 'stream';
    for (const table of contract.tables) {
      tables.push({
        name: `${contract.source}__${table.name}`.toUpperCase(),
        prefix: `${contract.source}/${table.name}/`,
        ...(streamed ? { format: 'jsonl' as const } : {}),
        ...(contract.mode === 'evolve' ? { evolves: true } : {}),
        columns: writtenColumns(table, main!, contract.primaryKey).map((column) => ({
          name: column.name.toUpperCase(),
          type: column.type,
          ...(isPersonal(contract, table === main ? column.path : []) ? { personal: true } : {}),
        })),
      });
    }
  }
  return tables;
}

/** A hash of named SQL texts: it changes when one of them does, and only then. */
function versionOf(texts: Iterable<[name: string, sql: string | Buffer]>): string {
  const hash = createHash('sha256');
  for (const [name, sql] of texts) hash.update(name).update(sql);
  return hash.digest('hex').slice(0, 16);
}

/** The files of one folder of sql/, by name, in name order. */
function sqlFiles(...folder: string[]): [string, Buffer][] {
  const directory = join(repositoryRoot, 'sql', ...folder);
  return readdirSync(directory)
    .sort()
    .map((file) => [file, readFileSync(join(directory, file))]);
}

/** A column holds personal data when its field, or a field it is nested in, is listed in the contract. */
function isPersonal(contract: Contract, path: readonly string[]): boolean {
  return (
    path.length > 0 &&
    contract.personalData.some((field) => path.join('.') === field || path.join('.').startsWith(`${field}.`))
  );
}

export interface SnowpipeIntegrationProps {
  /** Short environment name: names the access role, which must be known before it exists. */
  readonly environment: string;
  readonly transformedBucket: Bucket;
  readonly contracts: Contract[];
  readonly secretArn: string;
  readonly database: string;
  readonly warehouse: string;
  /** Existing Snowflake objects this stack may take over (and then drop with itself). @default none */
  readonly adoptExisting?: string[];
  readonly logRetention: RetentionDays;
  readonly removalPolicy: RemovalPolicy;
  /** Where the failed-load alarm goes. */
  readonly alertsTopic: ITopic;
  /** Also receives each failed load's message (pipe, file, Snowflake's error). */
  readonly alertEmail?: string;
}

/**
 * The Snowflake side, provisioned at deploy time: a Provider-framework custom resource creates the
 * storage integration, stage, RAW tables and auto-ingest pipes and applies sql/migrations
 * (lambdas/snowflake-setup); the role Snowflake assumes trusts exactly the user and external id the
 * integration reports, and reads the transformed bucket only; the bucket tells the pipes' queue about
 * each new Parquet part.
 */
export class SnowpipeIntegration extends Construct {
  public readonly accessRole: Role;
  public readonly resource: CustomResource;
  public readonly setupFunction: PipelineFunction;
  /** Snowpipe's error notifications: one message per file a pipe failed to load. */
  public readonly loadErrorsTopic: Topic;
  /** In alarm when a pipe failed to load a file in the last five minutes. */
  public readonly loadFailedAlarm: Alarm;

  constructor(scope: Construct, id: string, props: SnowpipeIntegrationProps) {
    super(scope, id);
    const roleName = `pipeline-${props.environment}-snowflake-access`;
    // The integration names the role's ARN before the role exists (the role's trust needs the integration).
    const accessRoleArn = `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:role/${roleName}`;

    this.setupFunction = new PipelineFunction(this, 'Setup', {
      step: 'snowflake-setup',
      handler: 'onEvent',
      timeout: Duration.seconds(SETUP_TIME_LIMITS.functionSeconds),
      memorySize: 512,
      logRetention: props.logRetention,
      removalPolicy: props.removalPolicy,
      environment: { SNOWFLAKE_DISABLE_MINICORE: 'true' },
      // The migrations and the sources (the contracts CLEAN's models come from) travel with the
      // handler, which reads them next to itself.
      filesNextToHandler: {
        'sql/migrations': 'sql/migrations',
        ...sourceFoldersNextToHandler(),
      },
    });
    Secret.fromSecretCompleteArn(this, 'Credentials', props.secretArn).grantRead(this.setupFunction);

    const provider = new Provider(this, 'Provider', {
      onEventHandler: this.setupFunction,
      // The framework function's logs, kept as long as the environment keeps every function's.
      logGroup: new LogGroup(this, 'ProviderLogs', {
        retention: props.logRetention,
        removalPolicy: props.removalPolicy,
      }),
    });
    for (const finding of [
      'IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      'L1',
    ])
      acceptFinding(
        provider,
        finding,
        'the CDK Provider framework function: its runtime and basic execution role are managed by CDK',
      );
    acceptFinding(
      provider,
      `IAM5[Resource::${arnToken(this.setupFunction.node.defaultChild as CfnElement)}:*]`,
      'the Provider framework may invoke versions of the setup function it fronts',
    );

    // Snowpipe error notifications go to a topic of their own, so that one alarm counts failed loads
    // (the pipes skip a file that fails, ON_ERROR = SKIP_FILE, and load the next).
    this.loadErrorsTopic = new Topic(this, 'LoadErrors', {
      topicName: `pipeline-${props.environment}-snowflake-load-errors`,
      masterKey: new Key(this, 'LoadErrorsKey', {
        description: "Encrypts Snowpipe's load-error notifications",
        enableKeyRotation: true,
        removalPolicy: props.removalPolicy,
      }),
      enforceSSL: true,
    });
    if (props.alertEmail) this.loadErrorsTopic.addSubscription(new EmailSubscription(props.alertEmail));
    const errorsRoleName = `pipeline-${props.environment}-snowflake-load-errors`;

    const properties: SnowpipeProperties = {
      secretArn: props.secretArn,
      database: props.database,
      warehouse: props.warehouse,
      integrationName: `${props.database}_S3`,
      accessRoleArn,
      bucketName: props.transformedBucket.bucketName,
      tables: rawTablesOf(props.contracts),
      removalPolicy: props.removalPolicy === RemovalPolicy.DESTROY ? 'destroy' : 'retain', // what the handler drops on Delete
      // The comment on everything it creates: Create takes over, and Delete drops, nothing else.
      owner: `${Stack.of(this).stackName} (${props.environment})`,
      ...(props.adoptExisting?.length ? { adoptExisting: props.adoptExisting } : {}),
      // A changed CLEAN model or a new migration changes the properties, so CloudFormation runs Update.
      // (ANALYTICS' models are run by each run's quality step, from its own bundle.)
      modelsVersion: versionOf(
        catalogueCleanModels(props.contracts).map((model): [string, string] => [model.table, model.sql]),
      ),
      publishedBy: 'run',
      migrationsVersion: versionOf(sqlFiles('migrations')),
      loadErrors: {
        topicArn: this.loadErrorsTopic.topicArn,
        roleArn: `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:role/${errorsRoleName}`,
      },
    };
    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::SnowpipeIntegration',
      properties: { Config: Stack.of(this).toJsonString(properties) },
    });

    this.accessRole = new Role(this, 'AccessRole', {
      roleName,
      description: 'Assumed by Snowflake (storage integration) to read the transformed bucket',
      assumedBy: new ArnPrincipal(this.resource.getAttString('StorageAwsIamUserArn')),
      externalIds: [this.resource.getAttString('StorageAwsExternalId')],
    });
    // Snowflake reads the tables' prefixes only: not _schemas/, _stats/ or stream-errors/.
    const prefixes = properties.tables.map((table) => table.prefix);
    const bucket = props.transformedBucket;
    this.accessRole.addToPolicy(
      new PolicyStatement({
        actions: ['s3:GetObject', 's3:GetObjectVersion'],
        resources: prefixes.map((prefix) => bucket.arnForObjects(`${prefix}*`)),
      }),
    );
    this.accessRole.addToPolicy(
      new PolicyStatement({ actions: ['s3:GetBucketLocation'], resources: [bucket.bucketArn] }),
    );
    this.accessRole.addToPolicy(
      new PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': prefixes.map((prefix) => `${prefix}*`) } },
      }),
    );
    const readReason =
      "Snowpipe reads each table's files under its prefix of the transformed bucket (read-only), names it only learns when they land";
    for (const prefix of prefixes)
      acceptFinding(
        this.accessRole,
        `IAM5[Resource::${arnToken(bucket.node.defaultChild as CfnElement)}/${prefix}*]`,
        readReason,
      );

    const errorsRole = new Role(this, 'LoadErrorsRole', {
      roleName: errorsRoleName,
      description: "Assumed by Snowflake (notification integration) to publish the pipes' load errors",
      assumedBy: new ArnPrincipal(this.resource.getAttString('LoadErrorsAwsIamUserArn')),
      externalIds: [this.resource.getAttString('LoadErrorsAwsExternalId')],
    });
    this.loadErrorsTopic.grantPublish(errorsRole);
    acceptFinding(
      errorsRole,
      'IAM5[Action::kms:GenerateDataKey*]',
      'publishing to the encrypted load-errors topic needs the GenerateDataKey family on that one key only',
    );
    this.loadFailedAlarm = new Alarm(this, 'LoadFailed', {
      alarmDescription:
        'Snowflake failed to load a file; the file is skipped and the message on the load-errors topic names it (docs/runbook.md#a-file-failed-to-load-into-snowflake)',
      metric: this.loadErrorsTopic.metricNumberOfMessagesPublished({
        period: Duration.minutes(5),
        statistic: 'Sum',
      }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.loadFailedAlarm.addAlarmAction(new SnsAction(props.alertsTopic));

    const channel = Queue.fromQueueArn(
      this,
      'PipeChannel',
      this.resource.getAttString('NotificationChannel'),
    );
    props.transformedBucket.addEventNotification(EventType.OBJECT_CREATED, new SqsDestination(channel), {
      suffix: '.parquet',
    });
    if (props.contracts.some((contract) => contract.source === 'stream')) {
      props.transformedBucket.addEventNotification(EventType.OBJECT_CREATED, new SqsDestination(channel), {
        prefix: 'stream/',
        suffix: '.jsonl.gz',
      });
    }
    // CDK configures bucket notifications through a handler of its own, one per stack.
    for (const handler of Stack.of(this).node.children.filter((child) =>
      child.node.id.startsWith('BucketNotificationsHandler'),
    ))
      acceptFinding(
        handler,
        'IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        "CDK's bucket-notifications handler: only writes its own logs; it and its role are managed by CDK",
      );
  }
}
