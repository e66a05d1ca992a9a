import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  IMetric,
  MathExpression,
  Metric,
  SingleValueWidget,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { SlackChannelConfiguration } from 'aws-cdk-lib/aws-chatbot';
import { ManagedPolicy, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE } from '../../lambdas/shared/metrics';

/** Alarm thresholds, stated once: the runbook (docs/runbook.md) explains each. */
export const ALARM_THRESHOLDS = {
  failedExecutions: 1,
  executionMinutes: 10,
  lambdaErrorPercent: 5,
  dlqMessages: 1,
} as const;

/** The alerts topic's fixed name, so that other stacks (streaming) can name it without a cross-stack reference. */
export const alertsTopicName = (environment: string) => `pipeline-${environment}-alerts`;

export interface AlertsTopicProps {
  readonly environment: string;
  readonly alertEmail?: string;
  /** A Slack channel the alerts also reach, through AWS Chatbot. */
  readonly slack?: { workspaceId: string; channelId: string };
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The SNS topic run notices and alarms go to: encrypted with a key of its own (CloudWatch alarms cannot
 * publish to a topic under the AWS-managed SNS key), TLS-only, optionally with an e-mail subscriber.
 */
export class AlertsTopic extends Construct {
  public readonly topic: Topic;

  constructor(scope: Construct, id: string, props: AlertsTopicProps) {
    super(scope, id);
    const key = new Key(this, 'Key', {
      description: 'Encrypts the pipeline alerts topic',
      enableKeyRotation: true,
      removalPolicy: props.removalPolicy,
    });
    // Only this account's alarms (the confused-deputy guard): CloudWatch acts for any account otherwise.
    const { account, region, partition } = Stack.of(this);
    key.grant(
      new ServicePrincipal('cloudwatch.amazonaws.com').withConditions({
        StringEquals: { 'aws:SourceAccount': account },
        ArnLike: { 'aws:SourceArn': `arn:${partition}:cloudwatch:${region}:${account}:alarm:*` },
      }),
      'kms:Decrypt',
      'kms:GenerateDataKey*',
    );
    this.topic = new Topic(this, 'Topic', {
      topicName: alertsTopicName(props.environment),
      masterKey: key,
      enforceSSL: true,
    });
    if (props.alertEmail) this.topic.addSubscription(new EmailSubscription(props.alertEmail));
    if (props.slack)
      new SlackChannelConfiguration(this, 'Slack', {
        slackChannelConfigurationName: `pipeline-${props.environment}-alerts`,
        slackWorkspaceId: props.slack.workspaceId,
        slackChannelId: props.slack.channelId,
        notificationTopics: [this.topic],
        // It posts what the topic says; nobody runs commands from the channel.
        guardrailPolicies: [ManagedPolicy.fromAwsManagedPolicyName('ReadOnlyAccess')],
      });
  }
}

export interface PipelineMonitoringProps {
  readonly dashboardName: string;
  readonly stateMachine: StateMachine;
  readonly functions: Record<string, IFunction>;
  readonly deadLetterQueues: Record<string, Queue>;
  readonly sources: readonly string[];
  readonly topic: Topic;
}

/** The dashboard operators watch, and the alarms that page them through the alerts topic. */
export class PipelineMonitoring extends Construct {
  public readonly alarms: Alarm[] = [];
  public readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: PipelineMonitoringProps) {
    super(scope, id);
    const { stateMachine } = props;
    const fiveMinutes = Duration.minutes(5);
    const alarm = (name: string, options: ConstructorParameters<typeof Alarm>[2]) => {
      const created = new Alarm(this, name, { treatMissingData: TreatMissingData.NOT_BREACHING, ...options });
      created.addAlarmAction(new SnsAction(props.topic));
      this.alarms.push(created);
      return created;
    };

    alarm('ExecutionFailed', {
      alarmDescription: 'A pipeline run failed (docs/runbook.md#a-run-failed)',
      metric: stateMachine.metricFailed({ period: fiveMinutes, statistic: 'Sum' }),
      threshold: ALARM_THRESHOLDS.failedExecutions,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
    });
    alarm('ExecutionTooLong', {
      alarmDescription: `A run took longer than ${ALARM_THRESHOLDS.executionMinutes} minutes (docs/runbook.md#a-run-took-too-long)`,
      metric: stateMachine.metricTime({ period: fiveMinutes, statistic: 'Maximum' }),
      threshold: ALARM_THRESHOLDS.executionMinutes * 60 * 1000,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
    });
    for (const [step, fn] of Object.entries(props.functions)) {
      alarm(`${step}ErrorRate`, {
        alarmDescription: `More than ${ALARM_THRESHOLDS.lambdaErrorPercent}% of ${step} invocations failed (docs/runbook.md#lambda-error-rate)`,
        metric: new MathExpression({
          expression: '100 * errors / MAX([errors, invocations])',
          usingMetrics: {
            errors: fn.metricErrors({ period: fiveMinutes, statistic: 'Sum' }),
            invocations: fn.metricInvocations({ period: fiveMinutes, statistic: 'Sum' }),
          },
          label: `${step} error %`,
          period: fiveMinutes,
        }),
        threshold: ALARM_THRESHOLDS.lambdaErrorPercent,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
      });
    }
    for (const [name, queue] of Object.entries(props.deadLetterQueues)) {
      alarm(`${name}DlqNotEmpty`, {
        alarmDescription: `A message is waiting in the ${name} dead-letter queue (docs/runbook.md#a-message-in-a-dead-letter-queue)`,
        metric: queue.metricApproximateNumberOfMessagesVisible({ period: fiveMinutes, statistic: 'Maximum' }),
        threshold: ALARM_THRESHOLDS.dlqMessages,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
      });
    }

    const perSource = (metricName: string): IMetric[] =>
      props.sources.map(
        (source) =>
          new Metric({
            namespace: METRICS_NAMESPACE,
            metricName,
            dimensionsMap: { service: 'pipeline-reconcile', source },
            statistic: 'Sum',
            period: Duration.days(1),
            label: source,
          }),
      );
    const fns = Object.entries(props.functions);
    this.dashboard = new Dashboard(this, 'Dashboard', { dashboardName: props.dashboardName });
    this.dashboard.addWidgets(
      new TextWidget({
        markdown: `# Pipeline\nRuns, records per source, Lambda health and dead-letter queues. Alarms: see docs/runbook.md.`,
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Executions',
        left: [
          stateMachine.metricStarted({ period: Duration.hours(1), statistic: 'Sum', label: 'started' }),
          stateMachine.metricSucceeded({ period: Duration.hours(1), statistic: 'Sum', label: 'succeeded' }),
          stateMachine.metricFailed({ period: Duration.hours(1), statistic: 'Sum', label: 'failed' }),
        ],
        width: 12,
      }),
      new GraphWidget({
        title: 'Execution duration (ms)',
        left: [stateMachine.metricTime({ period: Duration.hours(1), statistic: 'Maximum', label: 'max' })],
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Records extracted per source (daily)',
        left: perSource('RecordsExtracted'),
        width: 8,
      }),
      new GraphWidget({
        title: 'Records valid per source (daily)',
        left: perSource('RecordsValid'),
        width: 8,
      }),
      new GraphWidget({
        title: 'Records rejected per source (daily)',
        left: perSource('RecordsRejected'),
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Lambda errors',
        left: fns.map(([step, fn]) =>
          fn.metricErrors({ period: fiveMinutes, statistic: 'Sum', label: step }),
        ),
        width: 12,
      }),
      new GraphWidget({
        title: 'Lambda throttles',
        left: fns.map(([step, fn]) =>
          fn.metricThrottles({ period: fiveMinutes, statistic: 'Sum', label: step }),
        ),
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      new SingleValueWidget({
        title: 'Dead-letter queue depth',
        metrics: Object.entries(props.deadLetterQueues).map(([name, queue]) =>
          queue.metricApproximateNumberOfMessagesVisible({
            period: fiveMinutes,
            statistic: 'Maximum',
            label: name,
          }),
        ),
        width: 24,
      }),
    );
  }
}
