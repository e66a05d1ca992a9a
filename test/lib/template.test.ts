import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { allStates, stateMachineDefinitionFrom } from '../../lib/state-machine-definition';
import { failedAt, STATE } from '../../lib/constructs/batch-state-machine';
import { STEP_TIMEOUT_SECONDS } from '../../lib/config/step-timeouts';
import { NON_RETRYABLE_ERRORS } from '../../lambdas/shared/errors';
import { pipelineStack, pipelineTemplate } from '../support/pipeline-app';

const template = pipelineTemplate('prod');
const definition = stateMachineDefinitionFrom(template.toJSON());
const states = allStates(definition);
const resourcesOf = (type: string) => Object.entries(template.findResources(type));
const logicalIdOf = (type: string, pattern: RegExp) => {
  const found = resourcesOf(type).filter(([id]) => pattern.test(id));
  if (found.length !== 1) throw new Error(`expected one ${type} matching ${pattern}, found ${found.length}`);
  return found[0]![0];
};

describe('schedule', () => {
  it('starts the state machine daily at 06:00 UTC with the scheduled time as input', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 6 * * ? *)',
      State: 'ENABLED',
      Target: Match.objectLike({
        Input: Match.stringLikeRegexp('<aws.scheduler.scheduled-time>'),
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 21600 },
        DeadLetterConfig: {
          Arn: { 'Fn::GetAtt': [logicalIdOf('AWS::SQS::Queue', /^ScheduleDeadLetterQueue/), 'Arn'] },
        },
      }),
    });
  });

  it('is off in dev, where runs are started by hand', () => {
    const dev = pipelineTemplate('dev');
    dev.hasResourceProperties('AWS::Scheduler::Schedule', { State: 'DISABLED' });
  });

  it('runs an hourly source in a run of its own every hour, and leaves it out of the daily run', () => {
    const OWN_SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:events-AbCdEf';
    const sourceSettings = {
      events_oauth: { baseUrl: 'https://events.acme.io/oauth', schedule: 'hourly', secretArn: OWN_SECRET },
    };
    const { stack } = pipelineStack('prod', { overrides: { sourceSettings } });
    const hourly = Template.fromStack(stack);
    const inputs = Object.values(hourly.findResources('AWS::Scheduler::Schedule')).map((schedule) => [
      schedule.Properties.ScheduleExpression,
      JSON.parse(schedule.Properties.Target.Input),
    ]);
    expect(inputs).toEqual(
      expect.arrayContaining([
        [
          'cron(0 6 * * ? *)',
          { scheduledTime: '<aws.scheduler.scheduled-time>', sources: ['fakestore', 'gfn'] },
        ],
        ['cron(0 * * * ? *)', { scheduledTime: '<aws.scheduler.scheduled-time>', sources: ['events_oauth'] }],
      ]),
    );
    expect(inputs).toHaveLength(2);
    // Plan and extract read the settings; extract may read the source's own secret, and only extract.
    const functions = Object.entries(hourly.findResources('AWS::Lambda::Function'));
    const withSettings = functions
      .filter(([, fn]) => fn.Properties.Environment?.Variables?.PIPELINE_SOURCE_SETTINGS)
      .map(([id, fn]) => [
        id.replace(/Function.*$/, ''),
        JSON.parse(fn.Properties.Environment.Variables.PIPELINE_SOURCE_SETTINGS),
      ]);
    expect(withSettings).toEqual([
      ['plan', sourceSettings],
      ['extract', sourceSettings],
    ]);
    const readers = Object.entries(hourly.findResources('AWS::IAM::Policy'))
      .filter(([, policy]) => JSON.stringify(policy.Properties.PolicyDocument).includes(OWN_SECRET))
      .map(([id]) => id);
    expect(readers).toEqual([expect.stringMatching(/^extractFunction/)]);
  });

  it('says which sources it leaves out for their placeholder URL', () => {
    const { stack } = pipelineStack('prod');
    const notes = Annotations.fromStack(stack).findInfo('*', Match.stringLikeRegexp('is not deployed'));
    expect(notes.map((note) => note.entry.data)).toEqual([
      expect.stringContaining('source "events_apikey" is not deployed: its base URL is a placeholder'),
      expect.stringContaining('sourceSettings.events_oauth.baseUrl'),
      expect.stringContaining('sourceSettings.legacy_erp.baseUrl'),
    ]);
  });
});

describe('state machine', () => {
  it('chains plan → lease → extract → validate → reconcile → keep summary → quality → commit state → release → notify', () => {
    const order: string[] = [];
    for (let name: string | undefined = definition.StartAt; name;) {
      order.push(name);
      name = definition.States[name]!.Next as string | undefined;
    }
    expect(order).toEqual([
      STATE.plan,
      STATE.acquireLease,
      STATE.extractAll,
      STATE.validateAll,
      STATE.reconcile,
      STATE.keepRunSummary,
      STATE.quality,
      STATE.commitState,
      STATE.releaseLease,
      STATE.notifySuccess,
      STATE.succeeded,
    ]);
  });

  it('has no warehouse steps in an environment without Snowflake', () => {
    for (const name of [STATE.checkLoads, STATE.recordRun, STATE.waitForLoads])
      expect(states.has(name)).toBe(false);
    expect(definition.States[STATE.reconcile]!.Next).toBe(STATE.keepRunSummary);
    expect(definition.States[STATE.keepRunSummary]!.Next).toBe(STATE.quality);
  });

  it('retries every task 3 times after 1, 2, 4 s with jitter, except failures a retry cannot fix', () => {
    const tasks = [...states].filter(([, state]) => state.Type === 'Task');
    expect(tasks.length).toBe(12);
    for (const [name, task] of tasks) {
      // A long step's timeout is not retried: it would repeat the same slow work (lib/config/step-timeouts.ts).
      const long = ([STATE.extract, STATE.validate, STATE.quality] as string[]).includes(name);
      expect(task.Retry).toEqual([
        {
          ErrorEquals: [...NON_RETRYABLE_ERRORS, ...(long ? ['States.Timeout', 'Sandbox.Timedout'] : [])],
          MaxAttempts: 0,
        },
        {
          ErrorEquals: ['States.ALL'],
          MaxAttempts: 3,
          IntervalSeconds: 1,
          BackoffRate: 2,
          JitterStrategy: 'FULL',
        },
      ]);
    }
  });

  it('catches every failure of the main path, naming the step, into the lease release, the failure notice, the DLQ, then Fail', () => {
    for (const name of [
      STATE.plan,
      STATE.acquireLease,
      STATE.extractAll,
      STATE.validateAll,
      STATE.reconcile,
      STATE.quality,
      STATE.notifySuccess,
      STATE.commitState,
    ]) {
      expect(definition.States[name]!.Catch).toEqual([
        { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: failedAt(name) },
      ]);
      // The failure path knows which step failed: for the notice and the run's record.
      expect(definition.States[failedAt(name)]).toEqual({
        Type: 'Pass',
        Result: name,
        ResultPath: '$.failedStep',
        Next: STATE.releaseAfterFailure,
      });
    }
    // A lease that cannot be given back does not keep the failure from being told.
    expect(definition.States[STATE.releaseAfterFailure]).toMatchObject({
      Next: STATE.notifyFailure,
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.releaseError', Next: STATE.notifyFailure }],
    });
    expect(definition.States[STATE.releaseLease]!.Catch).toEqual([
      { ErrorEquals: ['States.ALL'], ResultPath: '$.releaseError', Next: STATE.notifySuccess },
    ]);
    expect(definition.States[STATE.notifyFailure]!.Next).toBe(STATE.sendToDlq);
    expect(definition.States[STATE.sendToDlq]!.Next).toBe(STATE.failed);
    expect(definition.States[STATE.failed]).toMatchObject({
      Type: 'Fail',
      ErrorPath: '$.error.Error',
      CausePath: '$.error.Cause',
    });
  });

  it('sends the execution input and the cause to the run dead-letter queue', () => {
    const send = definition.States[STATE.sendToDlq]!;
    expect(send.Resource).toBe('arn:aws:states:::sqs:sendMessage');
    expect(send.Parameters).toEqual({
      QueueUrl: logicalIdOf('AWS::SQS::Queue', /^RunDeadLetterQueue/),
      MessageBody: {
        'executionArn.$': '$$.Execution.Id',
        'stateMachineArn.$': '$$.StateMachine.Id',
        'input.$': '$$.Execution.Input',
        'error.$': '$.error',
      },
    });
  });

  it('bounds the Maps and loops extract on its continuation', () => {
    expect(definition.States[STATE.extractAll]).toMatchObject({ Type: 'Map', MaxConcurrency: 8 });
    expect(states.get(STATE.extractDone)).toMatchObject({
      Choices: [{ Variable: '$.extract.done', BooleanEquals: true, Next: STATE.keepExtractSummary }],
      Default: STATE.continueExtract,
    });
    expect(states.get(STATE.continueExtract)!.Next).toBe(STATE.extract);
  });

  it('logs errors without execution data in prod, everything in dev, as configured, and traces', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      LoggingConfiguration: Match.objectLike({ Level: 'ERROR', IncludeExecutionData: false }),
      TracingConfiguration: { Enabled: true },
    });
    pipelineTemplate('dev').hasResourceProperties('AWS::StepFunctions::StateMachine', {
      LoggingConfiguration: Match.objectLike({ Level: 'ALL', IncludeExecutionData: true }),
    });
    Template.fromStack(
      pipelineStack('prod', {
        overrides: { stateMachineLogging: { level: 'ALL', includeExecutionData: false } },
      }).stack,
    ).hasResourceProperties('AWS::StepFunctions::StateMachine', {
      LoggingConfiguration: Match.objectLike({ Level: 'ALL', IncludeExecutionData: false }),
    });
  });

  it("gives each step's function the timeout its measured duration calls for, and its task a minute more", () => {
    const functions = resourcesOf('AWS::Lambda::Function');
    const timeoutOf = (prefix: string) =>
      functions.find(([id]) => id.startsWith(`${prefix}Function`) && !id.includes('Logs'))![1].Properties
        .Timeout as number;
    for (const [prefix, step] of [
      ['plan', 'plan'],
      ['runlease', 'run-lease'],
      ['reconcile', 'reconcile'],
      ['notify', 'notify'],
      ['commitstate', 'commit-state'],
      ['extract', 'extract'],
      ['validate', 'validate'],
      ['quality', 'quality'],
    ] as const)
      expect(timeoutOf(prefix)).toBe(STEP_TIMEOUT_SECONDS[step]);
    expect(states.get(STATE.plan)!.TimeoutSeconds).toBe(STEP_TIMEOUT_SECONDS.plan + 60);
    expect(states.get(STATE.extract)!.TimeoutSeconds).toBe(STEP_TIMEOUT_SECONDS.extract + 60);
  });
});

describe('storage', () => {
  it('blocks public access, encrypts and logs every data bucket, and versions raw', () => {
    const buckets = resourcesOf('AWS::S3::Bucket');
    expect(buckets).toHaveLength(4);
    for (const [id, bucket] of buckets) {
      expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(bucket.Properties.BucketEncryption).toBeDefined();
      if (!id.startsWith('BucketsAccessLogs')) expect(bucket.Properties.LoggingConfiguration).toBeDefined();
    }
    template.hasResourceProperties('AWS::S3::Bucket', {
      VersioningConfiguration: { Status: 'Enabled' },
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({
            Transitions: [
              { StorageClass: 'STANDARD_IA', TransitionInDays: 30 },
              { StorageClass: 'GLACIER_IR', TransitionInDays: 365 },
            ],
          }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 90, Status: 'Enabled' })] },
      LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'failed/' }),
    });
  });

  it('denies every request without TLS to buckets, queues and the topic', () => {
    const denyInsecure = expect.objectContaining({
      Effect: 'Deny',
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    });
    for (const [type, count] of [
      ['AWS::S3::BucketPolicy', 4],
      ['AWS::SQS::QueuePolicy', 2],
      ['AWS::SNS::TopicPolicy', 1],
    ] as const) {
      const policies = resourcesOf(type);
      expect(policies).toHaveLength(count);
      for (const [, policy] of policies) {
        expect(policy.Properties.PolicyDocument.Statement).toEqual(expect.arrayContaining([denyInsecure]));
      }
    }
  });

  it('encrypts the dead-letter queues and the alerts topic', () => {
    for (const [, queue] of resourcesOf('AWS::SQS::Queue'))
      expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it("lets CloudWatch use the alerts key only for this account's alarms", () => {
    const keys = Object.values(template.findResources('AWS::KMS::Key'));
    const statements = keys.flatMap(
      (key) =>
        key.Properties.KeyPolicy.Statement as Array<{
          Principal?: { Service?: string };
          Condition?: unknown;
        }>,
    );
    const cloudWatch = statements.filter(
      (statement) => statement.Principal?.Service === 'cloudwatch.amazonaws.com',
    );
    expect(cloudWatch).toHaveLength(1);
    expect(cloudWatch[0]!.Condition).toEqual({
      StringEquals: { 'aws:SourceAccount': '123456789012' },
      ArnLike: { 'aws:SourceArn': 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:*' },
    });
  });

  it('keeps data when prod is deleted, and lets dev go', () => {
    for (const [, bucket] of resourcesOf('AWS::S3::Bucket')) expect(bucket.DeletionPolicy).toBe('Retain');
    const dev = pipelineTemplate('dev');
    for (const [, bucket] of Object.entries(dev.findResources('AWS::S3::Bucket')))
      expect(bucket.DeletionPolicy).toBe('Delete');
  });
});

describe('least privilege', () => {
  const statementsOf = (functionPrefix: string) => {
    const role = logicalIdOf('AWS::IAM::Role', new RegExp(`^${functionPrefix}FunctionServiceRole`));
    return resourcesOf('AWS::IAM::Policy')
      .filter(([, policy]) => policy.Properties.Roles.some((ref: { Ref: string }) => ref.Ref === role))
      .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement as Array<Record<string, unknown>>);
  };
  const s3Resources = (functionPrefix: string) =>
    statementsOf(functionPrefix)
      .filter((statement) => [statement.Action].flat().some((action) => String(action).startsWith('s3:')))
      .flatMap((statement) => [statement.Resource].flat())
      .map((resource) => JSON.stringify(resource));
  const raw = logicalIdOf('AWS::S3::Bucket', /^BucketsRaw/);
  const transformed = logicalIdOf('AWS::S3::Bucket', /^BucketsTransformed/);
  const failed = logicalIdOf('AWS::S3::Bucket', /^BucketsFailed/);

  it('lets extract write raw under its sources and read state, and nothing else in S3', () => {
    const resources = s3Resources('extract');
    expect(resources.some((resource) => resource.includes(transformed) || resource.includes(failed))).toBe(
      false,
    );
    expect(resources.join()).toContain('/gfn/*');
    expect(resources.join()).toContain('/state/*');
    const writes = statementsOf('extract').filter((statement) =>
      [statement.Action].flat().includes('s3:PutObject'),
    );
    expect(
      writes
        .flatMap((statement) => [statement.Resource].flat())
        .map((r) => JSON.stringify(r))
        .join(),
    ).not.toContain('/state/*');
  });

  /** The bucket objects a function may delete (s3:DeleteObject*), as template JSON. */
  const deletable = (functionPrefix: string) =>
    statementsOf(functionPrefix)
      .filter((statement) =>
        [statement.Action].flat().some((action) => /^s3:DeleteObject/.test(String(action))),
      )
      .flatMap((statement) => [statement.Resource].flat())
      .map((resource) => JSON.stringify(resource))
      // Objects (the bucket's own ARN in the same statement serves its List and GetBucket actions).
      .filter((resource) => resource.includes('/'));

  it('lets no function delete from raw (immutable) or from the failed layer, but for leases and parts it owns', () => {
    expect(deletable('extract')).toEqual([]);
    expect(deletable('commitstate')).toEqual([]);
    // Leases are released; validate abandons the parts of an upload it did not finish.
    expect(
      deletable('runlease').every((resource) => resource.includes(raw) && resource.includes('/locks/*')),
    ).toBe(true);
    const validate = deletable('validate');
    expect(validate.some((resource) => resource.includes(raw) || resource.includes(failed))).toBe(false);
    expect(validate.some((resource) => /_schemas|_stats/.test(resource))).toBe(false);
    expect(validate.length).toBeGreaterThan(0);
  });

  it('lets validate read raw but never write it', () => {
    const writes = statementsOf('validate').filter((statement) =>
      [statement.Action].flat().some((action) => /^s3:(PutObject|DeleteObject)/.test(String(action))),
    );
    const written = writes.flatMap((statement) => [statement.Resource].flat()).map((r) => JSON.stringify(r));
    expect(written.some((resource) => resource.includes(raw))).toBe(false);
    expect(written.some((resource) => resource.includes(transformed))).toBe(true);
    expect(written.some((resource) => resource.includes(failed))).toBe(true);
  });

  it('lets the run-lease step touch only the locks/ prefix of the raw bucket', () => {
    const objects = s3Resources('runlease').filter((resource) => resource.includes('/'));
    expect(objects.length).toBeGreaterThan(0);
    for (const resource of objects) expect(resource).toContain('/locks/*');
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ RUN_LEASE_TTL_SECONDS: String(6 * 3600 + 15 * 60) }) },
    });
  });

  it('gives plan and reconcile no S3 access and notify only the topic', () => {
    expect(s3Resources('plan')).toEqual([]);
    expect(s3Resources('reconcile')).toEqual([]);
    expect(s3Resources('notify')).toEqual([]);
    const publish = statementsOf('notify').find((statement) => statement.Action === 'sns:Publish');
    expect(publish?.Resource).toEqual({ Ref: logicalIdOf('AWS::SNS::Topic', /^AlertsTopic/) });
  });

  it('lets only extract read the source credentials, which it finds by ARN', () => {
    const secret = logicalIdOf('AWS::SecretsManager::Secret', /^SourceCredentials/);
    const readers = ['plan', 'extract', 'validate', 'reconcile', 'notify', 'commitstate'].filter((step) =>
      statementsOf(step).some((statement) => JSON.stringify(statement.Resource ?? '').includes(secret)),
    );
    expect(readers).toEqual(['extract']);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ PIPELINE_SECRET_ARN: { Ref: secret } }) },
    });
  });

  it('runs every function on Node.js 22, ARM64, traced, with a log group that expires', () => {
    const functions = resourcesOf('AWS::Lambda::Function').filter(([id]) => /Function[0-9A-F]{8}$/.test(id));
    expect(functions).toHaveLength(8);
    for (const [, fn] of functions) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
      });
    }
    template.resourcePropertiesCountIs('AWS::Logs::LogGroup', { RetentionInDays: 90 }, 9);
  });
});

describe('alarms', () => {
  it('alarms on any failed run, a run over 10 minutes, Lambda errors over 5% and any DLQ message', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ExecutionsFailed',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [{ Ref: logicalIdOf('AWS::SNS::Topic', /^AlertsTopic/) }],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ExecutionTime',
      Threshold: 600000,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    const errorRates = resourcesOf('AWS::CloudWatch::Alarm').filter(([id]) => id.includes('ErrorRate'));
    expect(errorRates).toHaveLength(8);
    for (const [, alarm] of errorRates) {
      expect(alarm.Properties.Threshold).toBe(5);
      expect(alarm.Properties.Metrics[0].Expression).toBe('100 * errors / MAX([errors, invocations])');
    }
    const dlqAlarms = resourcesOf('AWS::CloudWatch::Alarm').filter(
      ([, alarm]) => alarm.Properties.MetricName === 'ApproximateNumberOfMessagesVisible',
    );
    expect(dlqAlarms).toHaveLength(2);
    for (const [, alarm] of dlqAlarms) expect(alarm.Properties.Threshold).toBe(1);
  });

  it('subscribes the alert e-mail when one is configured', () => {
    const { stack } = pipelineStack('staging', { overrides: { alertEmail: 'oncall@example.com' } });
    Template.fromStack(stack).hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
    });
  });

  it('posts the alerts to a Slack channel through AWS Chatbot when one is configured, read-only', () => {
    const slack = { workspaceId: 'T0123ABCDE', channelId: 'C0123ABCDE' };
    const { app, stack } = pipelineStack('prod', { overrides: { slack }, nag: true });
    const configured = Template.fromStack(stack);
    configured.hasResourceProperties('AWS::Chatbot::SlackChannelConfiguration', {
      ConfigurationName: 'pipeline-prod-alerts',
      SlackWorkspaceId: slack.workspaceId,
      SlackChannelId: slack.channelId,
      SnsTopicArns: [{ Ref: logicalIdOf('AWS::SNS::Topic', /^AlertsTopic/) }],
      GuardrailPolicies: [
        Match.objectLike({
          'Fn::Join': Match.arrayWith([Match.arrayWith([':iam::aws:policy/ReadOnlyAccess'])]),
        }),
      ],
    });
    expect(() => app.synth()).not.toThrow();
    template.resourceCountIs('AWS::Chatbot::SlackChannelConfiguration', 0);
    expect(() =>
      pipelineStack('prod', { overrides: { slack: { workspaceId: '#alerts', channelId: 'x' } } }),
    ).toThrow(/slack\.workspaceId: the Slack workspace id/);
  });
});
