import { CfnOutput, Duration, Stack, StackProps } from 'aws-cdk-lib';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { EnvironmentConfig, removalPolicyOf } from './config/environment-config';
import { DataBuckets } from './constructs/data-buckets';
import {
  PipelineFunction,
  PipelineFunctionProps,
  sourceFoldersNextToHandler,
} from './constructs/pipeline-function';
import { BatchStateMachine, WarehouseFunctions } from './constructs/batch-state-machine';
import { LEASE_TTL_SECONDS } from '../lambdas/run-lease/run-leases';
import { DailySchedule } from './constructs/daily-schedule';
import { AlertsTopic, PipelineMonitoring } from './constructs/alerting';
import { acceptFinding, grantPrefix } from './constructs/nag-acknowledgements';
import { SnowpipeIntegration } from './constructs/snowpipe-integration';
import { retentionOf } from './constructs/retention';
import { loadContracts } from '../lambdas/contracts/contract';

/** What the functions that talk to Snowflake find it by (lambdas/warehouse/snowflake-warehouse.ts). */
function snowflakeEnvironment(snowflake: EnvironmentConfig['snowflake']): Record<string, string> {
  if (!snowflake) return {};
  return {
    SNOWFLAKE_SECRET_ARN: snowflake.secretArn,
    SNOWFLAKE_DATABASE: snowflake.database,
    SNOWFLAKE_WAREHOUSE: snowflake.warehouse,
    SNOWFLAKE_DISABLE_MINICORE: 'true',
  };
}

export interface PipelineStackProps extends StackProps {
  readonly config: EnvironmentConfig;
}

/**
 * One environment of the pipeline: storage, then the step functions, then the state machine that joins
 * them, then the schedule that starts it and the monitoring that watches it.
 */
export class PipelineStack extends Stack {
  public readonly buckets: DataBuckets;
  public readonly batch: BatchStateMachine;
  public readonly alerts: AlertsTopic;

  constructor(scope: Construct, id: string, props: PipelineStackProps) {
    super(scope, id, props);
    const { config } = props;
    const removalPolicy = removalPolicyOf(config);
    const logRetention = retentionOf(config.retention.logDays);

    this.buckets = new DataBuckets(this, 'Buckets', {
      environment: config.name,
      retention: config.retention,
      removalPolicy,
    });
    const { raw, transformed, failed } = this.buckets;
    const alerts = new AlertsTopic(this, 'Alerts', {
      environment: config.name,
      alertEmail: config.alertEmail,
      removalPolicy,
    });
    this.alerts = alerts;
    const deadLetterQueue = (name: string) => {
      const queue = new Queue(this, name, {
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
        removalPolicy,
      });
      acceptFinding(
        queue,
        'SQS3',
        'this queue is itself a dead-letter queue; one behind it would only hide messages',
      );
      return queue;
    };
    const runDlq = deadLetterQueue('RunDeadLetterQueue');
    const scheduleDlq = deadLetterQueue('ScheduleDeadLetterQueue');

    // One JSON secret holds every source credential (docs/deploy.md lists the keys to put in it).
    const sourceSecrets = new Secret(this, 'SourceCredentials', {
      description: `API credentials of the pipeline's sources (${config.name}): one JSON object, one key per secret name`,
      // Starts as an empty JSON object for operators to fill (docs/deploy.md); later deploys leave it alone.
      secretObjectValue: {},
      removalPolicy,
    });
    acceptFinding(
      sourceSecrets,
      'SMG4',
      'third-party API keys and client secrets are issued by the API owners and cannot be rotated by a Lambda here; rotate them with the owner and put-secret-value',
    );

    const fn = (
      step: string,
      memorySize: number,
      environment: Record<string, string> = {},
      more: Partial<PipelineFunctionProps> = {},
    ) =>
      new PipelineFunction(this, `${step}Function`, {
        step,
        memorySize,
        environment,
        logRetention,
        removalPolicy,
        ...more,
      });
    const sourcesVariable = config.sources.join(',');
    // The source folders (settings, contracts, checks) travel with the steps that read them.
    const withSources = { filesNextToHandler: sourceFoldersNextToHandler() };
    const functions = {
      plan: fn('plan', config.memoryMb.small, { PIPELINE_SOURCES: sourcesVariable }, withSources),
      extract: fn(
        'extract',
        config.memoryMb.extract,
        {
          RAW_BUCKET: raw.bucketName,
          STATE_BUCKET: raw.bucketName,
          PIPELINE_SECRET_ARN: sourceSecrets.secretArn,
        },
        withSources,
      ),
      validate: fn(
        'validate',
        config.memoryMb.validate,
        {
          RAW_BUCKET: raw.bucketName,
          TRANSFORMED_BUCKET: transformed.bucketName,
          FAILED_BUCKET: failed.bucketName,
          // `off` sends every record through the JS path (the runbook says when).
          VALIDATE_FAST_PATH: 'on',
        },
        // The fast path runs DuckDB on a page group (up to 2 GiB of JSON, gzip) kept in /tmp.
        { ...withSources, nativeModules: ['@duckdb/node-api'], ephemeralStorageMiB: 4096 },
      ),
      reconcile: fn('reconcile', config.memoryMb.small),
      quality: new PipelineFunction(this, 'qualityFunction', {
        step: 'quality',
        memorySize: config.memoryMb.small,
        environment: snowflakeEnvironment(config.snowflake),
        logRetention,
        removalPolicy,
        // The sources travel with the handler: their checks, and the contracts CLEAN's models come from.
        ...withSources,
      }),
      notify: fn('notify', config.memoryMb.small, { ALERTS_TOPIC_ARN: alerts.topic.topicArn }),
      commitState: fn('commit-state', config.memoryMb.small, { STATE_BUCKET: raw.bucketName }),
      runLease: fn('run-lease', config.memoryMb.small, {
        STATE_BUCKET: raw.bucketName,
        // Past the state machine's timeout, a lease's run can no longer be running.
        RUN_LEASE_TTL_SECONDS: String(LEASE_TTL_SECONDS),
      }),
    };

    // Least privilege: each step touches only its sources' prefixes and the state it owns.
    for (const source of config.sources) {
      grantPrefix(raw, functions.extract, source, 'readWrite');
      grantPrefix(raw, functions.validate, source, 'read');
      grantPrefix(transformed, functions.validate, source, 'readWrite');
      grantPrefix(failed, functions.validate, source, 'write');
    }
    grantPrefix(raw, functions.extract, 'state', 'read');
    grantPrefix(raw, functions.commitState, 'state', 'readWrite');
    grantPrefix(raw, functions.runLease, 'locks', 'readWrite');
    grantPrefix(transformed, functions.validate, '_schemas', 'readWrite');
    grantPrefix(transformed, functions.validate, '_stats', 'readWrite');
    sourceSecrets.grantRead(functions.extract);
    // One handle on the Snowflake secret, for every function that connects (quality, the warehouse steps).
    const snowflakeSecret =
      config.snowflake &&
      Secret.fromSecretCompleteArn(this, 'SnowflakeCredentials', config.snowflake.secretArn);
    snowflakeSecret?.grantRead(functions.quality);
    alerts.topic.grantPublish(functions.notify);
    acceptFinding(
      functions.notify,
      'IAM5[Action::kms:GenerateDataKey*]',
      'publishing to the encrypted alerts topic needs the GenerateDataKey family on that one key only',
    );

    // The Snowflake side and the run's warehouse steps, only where Snowflake is configured.
    let warehouse: WarehouseFunctions | undefined;
    if (config.snowflake) {
      const { secretArn, database, warehouse: snowflakeWarehouse } = config.snowflake;
      // The enabled sources' tables, and the streaming path's where it is deployed.
      const contracts = [...loadContracts().values()].filter(
        (contract) =>
          config.sources.includes(contract.source) ||
          (contract.source === 'stream' && Boolean(config.streaming)),
      );
      new SnowpipeIntegration(this, 'Snowflake', {
        environment: config.name,
        transformedBucket: transformed,
        contracts,
        secretArn,
        database,
        warehouse: snowflakeWarehouse,
        logRetention,
        removalPolicy,
        alertsTopic: alerts.topic,
        alertEmail: config.alertEmail,
      });
      const warehouseStep = (id: string, handler: string) => {
        const created = new PipelineFunction(this, id, {
          step: 'snowflake-load',
          handler,
          memorySize: config.memoryMb.small,
          timeout: Duration.minutes(2),
          environment: snowflakeEnvironment(config.snowflake),
          logRetention,
          removalPolicy,
        });
        snowflakeSecret!.grantRead(created);
        return created;
      };
      warehouse = {
        checkLoads: warehouseStep('checkLoadsFunction', 'checkLoads'),
        recordRun: warehouseStep('recordRunFunction', 'recordRunInWarehouse'),
      };
    }

    this.batch = new BatchStateMachine(this, 'Batch', {
      functions,
      warehouse,
      deadLetterQueue: runDlq,
      maxConcurrency: config.maxConcurrency,
      logRetention,
      removalPolicy,
    });
    new DailySchedule(this, 'Daily', {
      stateMachine: this.batch.stateMachine,
      expression: config.schedule.expression,
      enabled: config.schedule.enabled,
      deadLetterQueue: scheduleDlq,
    });
    new PipelineMonitoring(this, 'Monitoring', {
      dashboardName: `pipeline-${config.name}`,
      stateMachine: this.batch.stateMachine,
      functions: { ...functions, ...(warehouse ?? {}) },
      deadLetterQueues: { run: runDlq, schedule: scheduleDlq },
      sources: config.sources,
      topic: alerts.topic,
    });

    new CfnOutput(this, 'StateMachineArn', { value: this.batch.stateMachine.stateMachineArn });
    new CfnOutput(this, 'RawBucketName', { value: raw.bucketName });
    new CfnOutput(this, 'TransformedBucketName', { value: transformed.bucketName });
    new CfnOutput(this, 'FailedBucketName', { value: failed.bucketName });
    new CfnOutput(this, 'SourceCredentialsSecretArn', { value: sourceSecrets.secretArn });
    new CfnOutput(this, 'AlertsTopicArn', { value: alerts.topic.topicArn });
    new CfnOutput(this, 'RunDeadLetterQueueUrl', { value: runDlq.queueUrl });
  }
}
