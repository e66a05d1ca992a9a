import { ArnFormat, Duration, RemovalPolicy, Size, Stack, StackProps, Token } from 'aws-cdk-lib';
import {
  AccessLogFormat,
  ApiKeySourceType,
  LambdaIntegration,
  LogGroupLogDestination,
  MethodLoggingLevel,
  Period,
  RestApi,
} from 'aws-cdk-lib/aws-apigateway';
import { Alarm, AlarmProps, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Stream, StreamEncryption, StreamMode } from 'aws-cdk-lib/aws-kinesis';
import { Compression, DeliveryStream, KinesisStreamSource, S3Bucket } from 'aws-cdk-lib/aws-kinesisfirehose';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { writableOnlyUnder } from './constructs/prefix-scoped-bucket';
import { EnvironmentConfig, removalPolicyOf } from './config/environment-config';
import { alertsTopicName } from './constructs/alerting';
import { dataBucketName } from './constructs/data-buckets';
import { acceptFinding } from './constructs/nag-acknowledgements';
import { PipelineFunction, sourceFoldersNextToHandler } from './constructs/pipeline-function';
import { retentionOf } from './constructs/retention';

export interface StreamingStackProps extends StackProps {
  readonly config: EnvironmentConfig & { streaming: NonNullable<EnvironmentConfig['streaming']> };
}

/**
 * The real-time path, a stack of its own: API Gateway `POST /events` (API key, usage plan, access
 * logs) → the `ingest` Lambda (contract; refused events to the failed bucket) → Kinesis (on demand,
 * encrypted) → Firehose (GZIP JSON lines) → `stream/events/dt=…/` in the transformed bucket, where
 * Snowpipe and the daily checks pick them up. It names the batch stack's buckets and alerts topic by
 * their fixed names: no cross-stack reference to keep in step (deploy the batch stack first).
 */
/** Where Firehose writes in the transformed bucket: the events, and the records it failed to deliver. */
const STREAM_PREFIX = 'stream/';
const STREAM_ERRORS_PREFIX = 'stream-errors/';

export class StreamingStack extends Stack {
  public readonly api: RestApi;
  public readonly stream: Stream;
  public readonly deliveryStream: DeliveryStream;
  public readonly ingestFunction: PipelineFunction;

  constructor(scope: Construct, id: string, props: StreamingStackProps) {
    super(scope, id, props);
    const { config } = props;
    const removalPolicy = removalPolicyOf(config);
    const logRetention = retentionOf(config.retention.logDays);
    const transformed = Bucket.fromBucketName(
      this,
      'Transformed',
      dataBucketName(config.name, 'transformed'),
    );
    const failed = Bucket.fromBucketName(this, 'Failed', dataBucketName(config.name, 'failed'));
    const alertsTopic = Topic.fromTopicArn(
      this,
      'Alerts',
      this.formatArn({
        service: 'sns',
        resource: alertsTopicName(config.name),
        arnFormat: ArnFormat.NO_RESOURCE_NAME,
      }),
    );

    this.stream = new Stream(this, 'Events', {
      streamMode: StreamMode.ON_DEMAND,
      encryption: StreamEncryption.MANAGED,
      retentionPeriod: Duration.hours(48),
      removalPolicy,
    });

    const ingest = new PipelineFunction(this, 'ingestFunction', {
      step: 'ingest',
      memorySize: 512,
      timeout: Duration.seconds(29), // API Gateway's own limit
      environment: { STREAM_NAME: this.stream.streamName, FAILED_BUCKET: failed.bucketName },
      // The events contract is read from the source folders, which travel with the handler.
      filesNextToHandler: sourceFoldersNextToHandler(),
      logRetention,
      removalPolicy,
    });
    this.ingestFunction = ingest;
    this.stream.grantWrite(ingest);
    failed.grantPut(ingest, 'stream/*');
    // Requests sent with an Idempotency-Key: claimed, answered or released under stream/requests/.
    failed.grantRead(ingest, 'stream/requests/*');
    failed.grantDelete(ingest, 'stream/requests/*');

    const accessLogs = new LogGroup(this, 'ApiAccessLogs', { retention: logRetention, removalPolicy });
    this.api = new RestApi(this, 'Api', {
      description: `Events in real time (${config.name})`,
      apiKeySourceType: ApiKeySourceType.HEADER,
      // Account-wide, shared by every environment's API in the account and region: never deleted with
      // one stack (another's logging would lose its role), and not made where the account has one.
      ...(config.streaming.apiGatewayLogRole === 'create'
        ? { cloudWatchRole: true, cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN }
        : { cloudWatchRole: false }),
      deployOptions: {
        stageName: config.name,
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: AccessLogFormat.jsonWithStandardFields(),
        loggingLevel: MethodLoggingLevel.ERROR,
        tracingEnabled: true,
        throttlingRateLimit: config.streaming.rateLimit,
        throttlingBurstLimit: config.streaming.burstLimit,
      },
    });
    this.api.root
      .addResource('events')
      .addMethod('POST', new LambdaIntegration(ingest), { apiKeyRequired: true });
    const plan = this.api.addUsagePlan('Producers', {
      throttle: { rateLimit: config.streaming.rateLimit, burstLimit: config.streaming.burstLimit },
      quota: { limit: Math.round(config.streaming.rateLimit * 86_400), period: Period.DAY },
    });
    plan.addApiStage({ stage: this.api.deploymentStage });
    plan.addApiKey(
      this.api.addApiKey('ProducerKey', { description: 'Give to event producers (x-api-key header)' }),
    );

    this.deliveryStream = new DeliveryStream(this, 'Delivery', {
      source: new KinesisStreamSource(this.stream),
      // Firehose writes under these two prefixes only; the bucket is not versioned, so a grant to delete
      // or read the rest (what CDK gives by default) could lose another layer's files.
      destination: new S3Bucket(writableOnlyUnder(transformed, [STREAM_PREFIX, STREAM_ERRORS_PREFIX]), {
        dataOutputPrefix: `${STREAM_PREFIX}events/dt=!{timestamp:yyyy-MM-dd}/`,
        errorOutputPrefix: `${STREAM_ERRORS_PREFIX}!{firehose:error-output-type}/dt=!{timestamp:yyyy-MM-dd}/`,
        compression: Compression.GZIP,
        // The objects' names say what they hold: the local Snowpipe and Snowflake's pipe match on it.
        fileExtension: '.jsonl.gz',
        bufferingInterval: Duration.seconds(config.streaming.bufferingIntervalSeconds),
        bufferingSize: Size.mebibytes(config.streaming.bufferingSizeMiB),
      }),
    });

    const alarm = (name: string, options: Omit<AlarmProps, 'evaluationPeriods'>) =>
      new Alarm(this, name, {
        treatMissingData: TreatMissingData.NOT_BREACHING,
        evaluationPeriods: 1,
        ...options,
      }).addAlarmAction(new SnsAction(alertsTopic));
    alarm('IngestErrors', {
      alarmDescription: 'The ingest function failed (docs/runbook.md#streaming)',
      metric: ingest.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    });
    alarm('IteratorAge', {
      alarmDescription:
        'Firehose is more than 5 minutes behind the events stream (docs/runbook.md#streaming)',
      metric: this.stream.metricGetRecordsIteratorAgeMilliseconds({
        period: Duration.minutes(5),
        statistic: 'Maximum',
      }),
      threshold: 5 * 60 * 1000,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
    });
    alarm('DeliveryFailures', {
      alarmDescription: 'Firehose failed to deliver events to S3 (docs/runbook.md#streaming)',
      metric: this.deliveryStream.metric('DeliveryToS3.Success', {
        period: Duration.minutes(5),
        statistic: 'Minimum',
      }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
    });

    this.acceptFindings(config.name);
  }

  /** cdk-nag findings accepted on purpose, each with its reason. */
  private acceptFindings(environment: string): void {
    // A literal (cdk.json's partition-literals flag, with the stack's region known) or a reference.
    const partition = Token.isUnresolved(this.partition) ? '<AWS::Partition>' : this.partition;
    const bucketArn = (kind: 'failed' | 'transformed') =>
      `arn:${partition}:s3:::pipeline-${environment}-${kind}-<AWS::AccountId>-<AWS::Region>`;
    const putReason =
      'refused events are written under stream/ of the failed bucket only; s3:Abort* lets a multipart upload be abandoned';
    acceptFinding(this.ingestFunction, `IAM5[Resource::${bucketArn('failed')}/stream/*]`, putReason);
    acceptFinding(this.ingestFunction, 'IAM5[Action::s3:Abort*]', putReason);
    const requestsReason =
      'the records of requests sent with an Idempotency-Key, one object per key under stream/requests/ of the failed bucket: read to answer a retry, deleted when the request failed';
    for (const finding of [
      `Resource::${bucketArn('failed')}/stream/requests/*`,
      'Action::s3:GetObject*',
      'Action::s3:GetBucket*',
      'Action::s3:List*',
      'Action::s3:DeleteObject*',
    ])
      acceptFinding(this.ingestFunction, `IAM5[${finding}]`, requestsReason);
    const deliveryReason =
      'Firehose writes one object per buffer under stream/ (events) and stream-errors/ (failed records) of the transformed bucket, names it can only know at delivery';
    for (const prefix of [STREAM_PREFIX, STREAM_ERRORS_PREFIX])
      acceptFinding(
        this.deliveryStream,
        `IAM5[Resource::${bucketArn('transformed')}/${prefix}*]`,
        deliveryReason,
      );
    acceptFinding(
      this.api,
      'APIG2',
      'the ingest function validates each event against the contract and answers per event (200/207/400/409/413/415/422); a gateway model would refuse whole batches',
    );
    acceptFinding(
      this.api,
      'APIG3',
      "producers are authenticated by API key and throttled per key by the usage plan; attach the organisation's WAF web ACL to the stage where one exists",
    );
    acceptFinding(
      this.api,
      'APIG4',
      'producers are machines holding an API key (usage plan, per-key throttling); IAM or Cognito authorizers can be added for producers inside AWS',
    );
    acceptFinding(this.api, 'COG4', 'no Cognito user pool: producers are machines authenticated by API key');
    acceptFinding(
      this.api,
      'IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      "API Gateway's account-level role for writing its execution logs, as AWS documents it",
    );
    acceptFinding(
      this.deliveryStream,
      'KDF1',
      'Firehose does not allow its own server-side encryption on a Kinesis source; the stream is encrypted and the S3 destination too',
    );
  }
}
