import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { daysBetween, PipelineOperator } from '../../../lib/ops/pipeline-operator';

const stateMachineArn = 'arn:aws:states:eu-west-1:123456789012:stateMachine:Batch';
const sfn = mockClient(SFNClient);
const cloudFormation = mockClient(CloudFormationClient);

function operator() {
  const lines: string[] = [];
  const ops = new PipelineOperator({
    sfn: new SFNClient({ region: 'eu-west-1' }),
    cloudFormation: new CloudFormationClient({ region: 'eu-west-1' }),
    print: (line) => lines.push(line),
    sleep: async () => undefined,
    now: () => new Date('2026-11-22T09:00:00Z'),
  });
  return { ops, lines };
}

beforeEach(() => {
  sfn.reset();
  cloudFormation.reset();
  cloudFormation.on(DescribeStacksCommand, { StackName: 'Pipeline-dev' }).resolves({
    Stacks: [
      {
        StackName: 'Pipeline-dev',
        CreationTime: new Date(),
        StackStatus: 'CREATE_COMPLETE',
        Outputs: [{ OutputKey: 'StateMachineArn', OutputValue: stateMachineArn }],
      },
    ],
  });
});

describe('ops run', () => {
  it('starts a run for the date and sources asked, follows it state by state and reports how it ended', async () => {
    sfn
      .on(StartExecutionCommand)
      .resolves({ executionArn: `${stateMachineArn}:run-1`, startDate: new Date() });
    const at = new Date('2026-11-22T09:00:01Z');
    sfn
      .on(GetExecutionHistoryCommand)
      .resolvesOnce({
        events: [
          { id: 1, timestamp: at, type: 'ExecutionStarted' },
          { id: 2, timestamp: at, type: 'TaskStateEntered', stateEnteredEventDetails: { name: 'Plan run' } },
        ],
      })
      .resolves({
        events: [
          { id: 1, timestamp: at, type: 'ExecutionStarted' },
          { id: 2, timestamp: at, type: 'TaskStateEntered', stateEnteredEventDetails: { name: 'Plan run' } },
          { id: 3, timestamp: at, type: 'TaskStateExited', stateExitedEventDetails: { name: 'Plan run' } },
          { id: 4, timestamp: at, type: 'ExecutionSucceeded' },
        ],
      });
    sfn.on(DescribeExecutionCommand).resolvesOnce({ status: 'RUNNING' }).resolves({ status: 'SUCCEEDED' });
    const { ops, lines } = operator();
    const run = await ops.run({ env: 'dev', logicalDate: '2026-11-01', sources: ['gfn'] });
    expect(run.status).toBe('SUCCEEDED');
    const start = sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input;
    expect(start.stateMachineArn).toBe(stateMachineArn);
    expect(JSON.parse(start.input!)).toEqual({ logicalDate: '2026-11-01', sources: ['gfn'] });
    expect(start.name).toMatch(/^manual-2026-11-01-20261122T090000-[a-z0-9]{1,4}$/);
    // Each event printed once, though the history was read twice.
    expect(lines.filter((line) => line.includes('→ Plan run'))).toHaveLength(1);
    expect(lines).toContain('  09:00:01 ✓ Plan run');
    expect(lines.at(-1)).toMatch(/^✓ manual-2026-11-01-.*: SUCCEEDED$/);
    expect(lines[0]).toContain('console.aws.amazon.com/states/home?region=eu-west-1');
  });

  it('prints why a run failed', async () => {
    sfn
      .on(StartExecutionCommand)
      .resolves({ executionArn: `${stateMachineArn}:run-2`, startDate: new Date() });
    sfn.on(GetExecutionHistoryCommand).resolves({
      events: [
        {
          id: 9,
          timestamp: new Date('2026-11-22T09:01:00Z'),
          type: 'ExecutionFailed',
          executionFailedEventDetails: {
            error: 'AuthError',
            cause: 'the API refused the credentials (HTTP 401)',
          },
        },
      ],
    });
    sfn.on(DescribeExecutionCommand).resolves({ status: 'FAILED' });
    const { ops, lines } = operator();
    const run = await ops.run({ env: 'dev' });
    expect(run.status).toBe('FAILED');
    expect(lines).toContain('  09:01:00 ✗ run failed: AuthError: the API refused the credentials (HTTP 401)');
  });

  it('refuses a date that is not one before starting anything', async () => {
    const { ops } = operator();
    await expect(ops.run({ env: 'dev', logicalDate: '1/11/2026' })).rejects.toThrow(
      '--date "1/11/2026" is not a date: use YYYY-MM-DD',
    );
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('says to deploy when the stack is not there, and to log in when there are no credentials', async () => {
    cloudFormation
      .on(DescribeStacksCommand, { StackName: 'Pipeline-prod' })
      .rejects(
        Object.assign(new Error('Stack with id Pipeline-prod does not exist'), { name: 'ValidationError' }),
      );
    const { ops } = operator();
    await expect(ops.run({ env: 'prod' })).rejects.toThrow(
      'stack Pipeline-prod is not deployed in this account and region: deploy it with npx cdk deploy -c env=prod',
    );
    cloudFormation.on(DescribeStacksCommand, { StackName: 'Pipeline-staging' }).rejects(
      Object.assign(new Error('Could not load credentials from any providers'), {
        name: 'CredentialsProviderError',
      }),
    );
    await expect(ops.status({ env: 'staging' })).rejects.toThrow(/no AWS credentials found: set AWS_PROFILE/);
  });
});

describe('ops backfill', () => {
  it('starts one run per day, in order, each after the one before ended, and goes on past a failed day', async () => {
    let running = 0;
    let mostAtOnce = 0;
    const statusOf = new Map<string, number>();
    sfn.on(StartExecutionCommand).callsFake((input: { name: string }) => {
      running += 1;
      mostAtOnce = Math.max(mostAtOnce, running);
      return { executionArn: `${stateMachineArn}:${input.name}`, startDate: new Date() };
    });
    sfn.on(DescribeExecutionCommand).callsFake((input: { executionArn: string }) => {
      // Each run is RUNNING when first asked, then done; 2026-11-03 fails.
      const polls = (statusOf.get(input.executionArn) ?? 0) + 1;
      statusOf.set(input.executionArn, polls);
      if (polls < 2) return { status: 'RUNNING' };
      running -= 1;
      return { status: input.executionArn.includes('2026-11-03') ? 'FAILED' : 'SUCCEEDED' };
    });
    const { ops, lines } = operator();
    const runs = await ops.backfill({ env: 'dev', from: '2026-10-30', to: '2026-11-04' });
    expect(runs.map((run) => [run.logicalDate, run.status])).toEqual([
      ['2026-10-30', 'SUCCEEDED'],
      ['2026-10-31', 'SUCCEEDED'],
      ['2026-11-01', 'SUCCEEDED'],
      ['2026-11-02', 'SUCCEEDED'],
      ['2026-11-03', 'FAILED'],
      ['2026-11-04', 'SUCCEEDED'],
    ]);
    expect(mostAtOnce).toBe(1);
    const inputs = sfn
      .commandCalls(StartExecutionCommand)
      .map((call) => JSON.parse(call.args[0].input.input!));
    expect(inputs.map((input) => input.logicalDate)).toEqual(daysBetween('2026-10-30', '2026-11-04'));
    expect(lines.at(-1)).toBe('5 of 6 day(s) succeeded; failed: 2026-11-03');
  });

  it('checks the range', () => {
    expect(() => daysBetween('2026-11-05', '2026-11-01')).toThrow(
      '--from 2026-11-05 is after --to 2026-11-01',
    );
    expect(() => daysBetween('2026-11-01', 'tomorrow')).toThrow(
      '--to "tomorrow" is not a date: use YYYY-MM-DD',
    );
  });
});

describe('ops status', () => {
  it('lists recent runs with status, start and duration', async () => {
    sfn.on(ListExecutionsCommand).resolves({
      executions: [
        {
          executionArn: `${stateMachineArn}:a`,
          stateMachineArn,
          name: 'manual-2026-11-01-x',
          status: 'SUCCEEDED',
          startDate: new Date('2026-11-22T06:00:00Z'),
          stopDate: new Date('2026-11-22T06:04:30Z'),
        },
        {
          executionArn: `${stateMachineArn}:b`,
          stateMachineArn,
          name: 'b4f0c1',
          status: 'RUNNING',
          startDate: new Date('2026-11-22T08:57:00Z'),
        },
      ],
    });
    const { ops, lines } = operator();
    await ops.status({ env: 'dev', limit: 5 });
    expect(sfn.commandCalls(ListExecutionsCommand)[0]!.args[0].input).toEqual({
      stateMachineArn,
      maxResults: 5,
    });
    expect(lines).toEqual([
      'SUCCEEDED  2026-11-22T06:00:00Z     4.5 min  manual-2026-11-01-x',
      'RUNNING    2026-11-22T08:57:00Z     3.0 min  b4f0c1',
    ]);
  });
});
