import { LAMBDA_NATIVE_MODULES } from './constructs/lambda-native-modules';
import { PipelineStep, STEP_TIMEOUT_SECONDS } from './config/step-timeouts';
import { Annotations, CfnOutput, Duration, RemovalPolicy, Stack, StackProps } from 'aws-cdk-lib';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { EnvironmentConfig, removalPolicyOf, sourcesWithoutEndpoint } from './config/environment-config';
import { SOURCE_SETTINGS_VARIABLE } from '../lambdas/sources/source-settings';
import { DataBuckets } from './constructs/data-buckets';
import {
  PipelineFunction,
  PipelineFunctionProps,
  sourceFoldersNextToHandler,
} from './constructs/pipeline-function';
import {
  BatchStateMachine,
  BatchStateMachineProps,
  WarehouseFunctions,
} from './constructs/batch-state-machine';
import { LEASE_TTL_SECONDS } from '../lambdas/run-lease/run-leases';
import { RunSchedule } from './constructs/run-schedule';
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

/** The hourly sources' runs start on the hour (EventBridge Scheduler cron, UTC). */
const HOURLY = 'cron(0 * * * ? *)';

/**
 * The deployed sources' settings, for the functions that read the catalogue (plan, extract); nothing
 * when the environment sets none, so source.yml rules alone.
 */
function sourceSettingsEnvironment(config: EnvironmentConfig): Record<string, string> {
  const deployed = Object.entries(config.sourceSettings).filter(([name]) => config.sources.includes(name));
  return deployed.length ? { [SOURCE_SETTINGS_VARIABLE]: JSON.stringify(Object.fromEntries(deployed)) } : {};
}

export interface PipelineStackProps extends StackProps {
  readonly config: EnvironmentConfig;
}

/** What every function and log group of an environment shares. */
interface Lifecycle {
  logRetention: RetentionDays;
  removalPolicy: RemovalPolicy;
}

/** The run's step functions, by the state machine's name for them. */
type StepFunctions = BatchStateMachineProps['functions'];

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
    const lifecycle: Lifecycle = {
      removalPolicy: removalPolicyOf(config),
      logRetention: retentionOf(config.retention.logDays),
    };
    this.buckets = new DataBuckets(this, 'Buckets', {
      environment: config.name,
      retention: config.retention,
      removalPolicy: lifecycle.removalPolicy,
    });
    this.alerts = new AlertsTopic(this, 'Alerts', {
      environment: config.name,
      alertEmail: config.alertEmail,
      ...(config.slack ? { slack: config.slack } : {}),
      removalPolicy: lifecycle.removalPolicy,
    });
    const deadLetterQueues = {
      run: this.deadLetterQueue('RunDeadLetterQueue', lifecycle),
      schedule: this.deadLetterQueue('ScheduleDeadLetterQueue', lifecycle),
    };
    const sourceSecrets = this.sourceCredentials(config, lifecycle);
    const functions = this.stepFunctions(config, sourceSecrets, lifecycle);
    const snowflakeSecret = this.grantLeastPrivilege(config, functions, sourceSecrets);
    const warehouse = snowflakeSecret && this.snowflakeSide(config, snowflakeSecret, lifecycle);

    this.batch = new BatchStateMachine(this, 'Batch', {
      functions,
      warehouse,
      deadLetterQueue: deadLetterQueues.run,
      maxConcurrency: config.maxConcurrency,
      logging: config.stateMachineLogging,
      ...lifecycle,
    });
    this.schedules(config, deadLetterQueues.schedule);
    new PipelineMonitoring(this, 'Monitoring', {
      dashboardName: `pipeline-${config.name}`,
      stateMachine: this.batch.stateMachine,
      functions: { ...functions, ...(warehouse ?? {}) },
      deadLetterQueues,
      sources: config.sources,
      topic: this.alerts.topic,
    });
    this.outputs(sourceSecrets, deadLetterQueues.run);
    for (const source of sourcesWithoutEndpoint(config))
      Annotations.of(this).addInfo(
        `source "${source}" is not deployed: its base URL is a placeholder (set sourceSettings.${source}.baseUrl to deploy it)`,
      );
  }

  /**
   * The daily run, and where a source is set to run hourly, an hourly run of those sources (the daily
   * one then leaves them out, so no resource is extracted by two runs at once).
   */
  private schedules(config: EnvironmentConfig, deadLetterQueue: Queue): void {
    const hourly = config.sources.filter((name) => config.sourceSettings[name]?.schedule === 'hourly');
    const daily = config.sources.filter((name) => !hourly.includes(name));
    const common = {
      stateMachine: this.batch.stateMachine,
      enabled: config.schedule.enabled,
      deadLetterQueue,
    };
    if (daily.length)
      new RunSchedule(this, 'Daily', {
        ...common,
        description: 'Starts the daily pipeline run',
        expression: config.schedule.expression,
        ...(hourly.length ? { sources: daily } : {}),
      });
    if (hourly.length)
      new RunSchedule(this, 'Hourly', {
        ...common,
        description: `Starts the hourly run of ${hourly.join(', ')}`,
        expression: HOURLY,
        sources: hourly,
      });
  }

  private deadLetterQueue(id: string, lifecycle: Lifecycle): Queue {
    const queue = new Queue(this, id, {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: lifecycle.removalPolicy,
    });
    acceptFinding(
      queue,
      'SQS3',
      'this queue is itself a dead-letter queue; one behind it would only hide messages',
    );
    return queue;
  }

  /** One JSON secret holds every source credential (docs/deploy.md lists the keys to put in it). */
  private sourceCredentials(config: EnvironmentConfig, lifecycle: Lifecycle): Secret {
    const secret = new Secret(this, 'SourceCredentials', {
      description: `API credentials of the pipeline's sources (${config.name}): one JSON object, one key per secret name`,
      // Starts as an empty JSON object for operators to fill (docs/deploy.md); later deploys leave it alone.
      secretObjectValue: {},
      removalPolicy: lifecycle.removalPolicy,
    });
    acceptFinding(
      secret,
      'SMG4',
      'third-party API keys and client secrets are issued by the API owners and cannot be rotated by a Lambda here; rotate them with the owner and put-secret-value',
    );
    return secret;
  }

  private stepFunctions(
    config: EnvironmentConfig,
    sourceSecrets: Secret,
    lifecycle: Lifecycle,
  ): StepFunctions {
    const { raw, transformed, failed } = this.buckets;
    const fn = (
      step: PipelineStep,
      memorySize: number,
      environment: Record<string, string> = {},
      more: Partial<PipelineFunctionProps> = {},
    ) =>
      new PipelineFunction(this, `${step}Function`, {
        step,
        memorySize,
        environment,
        timeout: Duration.seconds(STEP_TIMEOUT_SECONDS[step]),
        ...lifecycle,
        ...more,
      });
    // The source folders (settings, contracts, checks) travel with the steps that read them.
    const withSources = { filesNextToHandler: sourceFoldersNextToHandler() };
    const settings = sourceSettingsEnvironment(config);
    return {
      plan: fn(
        'plan',
        config.memoryMb.small,
        { PIPELINE_SOURCES: config.sources.join(','), ...settings },
        withSources,
      ),
      extract: fn(
        'extract',
        config.memoryMb.extract,
        {
          RAW_BUCKET: raw.bucketName,
          STATE_BUCKET: raw.bucketName,
          PIPELINE_SECRET_ARN: sourceSecrets.secretArn,
          ...settings,
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
        { ...withSources, nativeModules: LAMBDA_NATIVE_MODULES, ephemeralStorageMiB: 4096 },
      ),
      reconcile: fn('reconcile', config.memoryMb.small),
      // The sources travel with the handler: their checks, and the contracts CLEAN's models come from.
      // The schema registry (transformed/_schemas/) says which columns CLEAN's models gained by evolve mode.
      // It publishes to CLEAN and rebuilds ANALYTICS, whose models (sql/models/analytics) travel with it.
      quality: fn(
        'quality',
        config.memoryMb.small,
        { TRANSFORMED_BUCKET: transformed.bucketName, ...snowflakeEnvironment(config.snowflake) },
        {
          ...withSources,
          filesNextToHandler: {
            ...withSources.filesNextToHandler,
            'sql/models/analytics': 'sql/models/analytics',
          },
        },
      ),
      notify: fn('notify', config.memoryMb.small, { ALERTS_TOPIC_ARN: this.alerts.topic.topicArn }),
      commitState: fn('commit-state', config.memoryMb.small, { STATE_BUCKET: raw.bucketName }),
      runLease: fn('run-lease', config.memoryMb.small, {
        STATE_BUCKET: raw.bucketName,
        // Past the state machine's timeout, a lease's run can no longer be running.
        RUN_LEASE_TTL_SECONDS: String(LEASE_TTL_SECONDS),
      }),
    };
  }

  /**
   * Least privilege: each step touches only its sources' prefixes and the state it owns. Returns the
   * one handle on the Snowflake secret (for every function that connects), where Snowflake is configured.
   */
  private grantLeastPrivilege(
    config: EnvironmentConfig,
    functions: StepFunctions,
    sourceSecrets: Secret,
  ): ISecret | undefined {
    const { raw, transformed, failed } = this.buckets;
    for (const source of config.sources) {
      grantPrefix(raw, functions.extract, source, 'readPut');
      grantPrefix(raw, functions.validate, source, 'read');
      grantPrefix(transformed, functions.validate, source, 'readWrite');
      grantPrefix(failed, functions.validate, source, 'put');
    }
    grantPrefix(raw, functions.extract, 'state', 'read');
    grantPrefix(raw, functions.commitState, 'state', 'readPut');
    grantPrefix(raw, functions.runLease, 'locks', 'readWrite');
    grantPrefix(transformed, functions.validate, '_schemas', 'readPut');
    grantPrefix(transformed, functions.validate, '_stats', 'readPut');
    grantPrefix(transformed, functions.quality, '_schemas', 'read');
    sourceSecrets.grantRead(functions.extract);
    for (const source of config.sources) {
      const secretArn = config.sourceSettings[source]?.secretArn;
      if (secretArn)
        Secret.fromSecretCompleteArn(this, `${source}SourceCredentials`, secretArn).grantRead(
          functions.extract,
        );
    }
    const snowflakeSecret =
      config.snowflake &&
      Secret.fromSecretCompleteArn(this, 'SnowflakeCredentials', config.snowflake.secretArn);
    snowflakeSecret?.grantRead(functions.quality);
    this.alerts.topic.grantPublish(functions.notify);
    acceptFinding(
      functions.notify,
      'IAM5[Action::kms:GenerateDataKey*]',
      'publishing to the encrypted alerts topic needs the GenerateDataKey family on that one key only',
    );
    return snowflakeSecret;
  }

  /** The Snowflake side (integration, stage, pipes, models) and the run's warehouse steps. */
  private snowflakeSide(
    config: EnvironmentConfig,
    snowflakeSecret: ISecret,
    lifecycle: Lifecycle,
  ): WarehouseFunctions {
    const { secretArn, database, warehouse, adoptExisting } = config.snowflake!;
    // The enabled sources' tables, and the streaming path's where it is deployed.
    const contracts = [...loadContracts().values()].filter(
      (contract) =>
        config.sources.includes(contract.source) ||
        (contract.source === 'stream' && Boolean(config.streaming)),
    );
    new SnowpipeIntegration(this, 'Snowflake', {
      environment: config.name,
      transformedBucket: this.buckets.transformed,
      contracts,
      secretArn,
      database,
      warehouse,
      adoptExisting,
      ...lifecycle,
      alertsTopic: this.alerts.topic,
      alertEmail: config.alertEmail,
    });
    const warehouseStep = (id: string, handler: string) => {
      const created = new PipelineFunction(this, id, {
        step: 'load-audit',
        handler,
        memorySize: config.memoryMb.small,
        timeout: Duration.minutes(2),
        environment: snowflakeEnvironment(config.snowflake),
        ...lifecycle,
      });
      snowflakeSecret.grantRead(created);
      return created;
    };
    return {
      checkLoads: warehouseStep('checkLoadsFunction', 'checkLoads'),
      recordRun: warehouseStep('recordRunFunction', 'recordRunInWarehouse'),
    };
  }

  private outputs(sourceSecrets: Secret, runDeadLetterQueue: Queue): void {
    new CfnOutput(this, 'StateMachineArn', { value: this.batch.stateMachine.stateMachineArn });
    new CfnOutput(this, 'RawBucketName', { value: this.buckets.raw.bucketName });
    new CfnOutput(this, 'TransformedBucketName', { value: this.buckets.transformed.bucketName });
    new CfnOutput(this, 'FailedBucketName', { value: this.buckets.failed.bucketName });
    new CfnOutput(this, 'SourceCredentialsSecretArn', { value: sourceSecrets.secretArn });
    new CfnOutput(this, 'AlertsTopicArn', { value: this.alerts.topic.topicArn });
    new CfnOutput(this, 'RunDeadLetterQueueUrl', { value: runDeadLetterQueue.queueUrl });
  }
}
