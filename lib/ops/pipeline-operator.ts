import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  DescribeExecutionCommand,
  ExecutionStatus,
  GetExecutionHistoryCommand,
  HistoryEvent,
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { consoleLink } from '../../lambdas/notify/run-notice';
import { explainAwsError } from './aws-errors';
import { OperatorError } from './operator-error';

export interface OperatorDeps {
  sfn: SFNClient;
  cloudFormation: CloudFormationClient;
  print: (line: string) => void;
  sleep?: (ms: number) => Promise<void>;
  now?: () => Date;
  /** How often a followed execution is polled. */
  pollMs?: number;
}

export interface RunOptions {
  env: string;
  logicalDate?: string;
  sources?: string[];
  /** Fetch the day's own window and move no cursor (lambdas/plan/plan-run.ts). */
  backfill?: boolean;
}

export interface FinishedRun {
  name: string;
  executionArn: string;
  status: string;
  logicalDate?: string;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A real day as YYYY-MM-DD: 2026-02-30 is refused, not rolled over to 2026-03-02 as Date.parse would. */
export function isCalendarDate(value: string): boolean {
  const day = new Date(`${value}T00:00:00Z`);
  return DATE.test(value) && !Number.isNaN(day.getTime()) && day.toISOString().slice(0, 10) === value;
}
const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The days from `from` to `to`, both included, as YYYY-MM-DD. */
export function daysBetween(from: string, to: string): string[] {
  for (const [name, value] of [
    ['--from', from],
    ['--to', to],
  ] as const) {
    if (!isCalendarDate(value)) throw new OperatorError(`${name} "${value}" is not a date: use YYYY-MM-DD`);
  }
  const days: string[] = [];
  for (let day = Date.parse(from); day <= Date.parse(to); day += 86_400_000)
    days.push(new Date(day).toISOString().slice(0, 10));
  if (!days.length) throw new OperatorError(`--from ${from} is after --to ${to}`);
  return days;
}

/**
 * What an operator does with a deployed pipeline from a terminal: start a run and follow it state by
 * state, backfill a range of days one after the other, list recent runs. It finds the state machine from
 * the stack's outputs, so nothing but the environment name is needed.
 */
export class PipelineOperator {
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => Date;
  private readonly pollMs: number;

  constructor(private readonly deps: OperatorDeps) {
    this.sleep = deps.sleep ?? defaultSleep;
    this.now = deps.now ?? (() => new Date());
    this.pollMs = deps.pollMs ?? 2000;
  }

  async stateMachineArn(env: string): Promise<string> {
    const stackName = `Pipeline-${env}`;
    let outputs;
    try {
      const answer = await this.deps.cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
      outputs = answer.Stacks?.[0]?.Outputs ?? [];
    } catch (error) {
      throw this.explain(error, stackName, env);
    }
    const arn = outputs.find((output) => output.OutputKey === 'StateMachineArn')?.OutputValue;
    if (!arn)
      throw new OperatorError(
        `stack ${stackName} has no StateMachineArn output: redeploy it with npx cdk deploy -c env=${env}`,
      );
    return arn;
  }

  /** Starts one run and prints each state as it starts, ends or fails, until the run is over. */
  async run(options: RunOptions): Promise<FinishedRun> {
    const stateMachineArn = await this.stateMachineArn(options.env);
    const started = await this.start(stateMachineArn, options);
    this.deps.print(`started ${started.name}\n  ${consoleLink(started.executionArn)}`);
    const status = await this.follow(started.executionArn);
    this.deps.print(`${status === 'SUCCEEDED' ? '✓' : '✗'} ${started.name}: ${status}`);
    return { ...started, status, logicalDate: options.logicalDate };
  }

  /**
   * One backfill run per day, in order, each started once the one before has ended (runs of an
   * environment over the same resources take turns: each holds a lease on its resources,
   * docs/runbook.md). Each fetches its own day's window of the resources that can fetch one, and leaves
   * the committed cursors where the daily runs keep them. A failed day does not stop the others.
   */
  async backfill(options: {
    env: string;
    from: string;
    to: string;
    sources?: string[];
  }): Promise<FinishedRun[]> {
    const days = daysBetween(options.from, options.to);
    const stateMachineArn = await this.stateMachineArn(options.env);
    this.deps.print(`backfilling ${days.length} day(s), in order, one at a time`);
    const finished: FinishedRun[] = [];
    for (const day of days) {
      const started = await this.start(stateMachineArn, { ...options, logicalDate: day, backfill: true });
      this.deps.print(`  ${day}: started ${started.name}`);
      const status = await this.waitFor(started.executionArn);
      this.deps.print(`  ${day}: ${status}`);
      finished.push({ ...started, status, logicalDate: day });
    }
    finished.sort((a, b) => (a.logicalDate! < b.logicalDate! ? -1 : 1));
    const failed = finished.filter((run) => run.status !== 'SUCCEEDED');
    this.deps.print(
      `${finished.length - failed.length} of ${finished.length} day(s) succeeded${failed.length ? `; failed: ${failed.map((run) => run.logicalDate).join(', ')}` : ''}`,
    );
    return finished;
  }

  /** The most recent runs, newest first. */
  async status(options: { env: string; limit?: number }): Promise<void> {
    const stateMachineArn = await this.stateMachineArn(options.env);
    const answer = await this.deps.sfn.send(
      new ListExecutionsCommand({ stateMachineArn, maxResults: options.limit ?? 10 }),
    );
    const executions = answer.executions ?? [];
    if (!executions.length) return this.deps.print(`no runs yet in ${options.env}`);
    for (const execution of executions) {
      const startedAt = execution.startDate?.toISOString().replace('.000Z', 'Z') ?? '?';
      const end = execution.stopDate ?? this.now();
      const minutes = execution.startDate
        ? ((end.getTime() - execution.startDate.getTime()) / 60_000).toFixed(1)
        : '?';
      this.deps.print(
        `${(execution.status ?? '?').padEnd(10)} ${startedAt}  ${minutes.padStart(6)} min  ${execution.name}`,
      );
    }
  }

  private async start(stateMachineArn: string, options: RunOptions) {
    if (
      options.logicalDate !== undefined &&
      (!DATE.test(options.logicalDate) || Number.isNaN(Date.parse(options.logicalDate)))
    )
      throw new OperatorError(`--date "${options.logicalDate}" is not a date: use YYYY-MM-DD`);
    const stamp = this.now().toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
    const name = `manual-${options.logicalDate ?? 'today'}-${stamp}-${Math.random().toString(36).slice(2, 6)}`;
    const input = {
      ...(options.logicalDate ? { logicalDate: options.logicalDate } : {}),
      ...(options.sources?.length ? { sources: options.sources } : {}),
      ...(options.backfill ? { backfill: true } : {}),
    };
    const answer = await this.deps.sfn.send(
      new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }),
    );
    return { name, executionArn: answer.executionArn! };
  }

  /** RUNNING while the execution goes on, else how it ended. */
  private async currentStatus(executionArn: string): Promise<string> {
    const answer = await this.deps.sfn.send(new DescribeExecutionCommand({ executionArn }));
    return answer.status === ExecutionStatus.PENDING_REDRIVE ? 'RUNNING' : (answer.status ?? 'UNKNOWN');
  }

  private async waitFor(executionArn: string): Promise<string> {
    for (
      let status = await this.currentStatus(executionArn);
      ;
      status = await this.currentStatus(executionArn)
    ) {
      if (status !== 'RUNNING') return status;
      await this.sleep(this.pollMs);
    }
  }

  /** Prints the execution's history as it grows, until the execution has ended. */
  private async follow(executionArn: string): Promise<string> {
    let seen = 0;
    for (;;) {
      const events: HistoryEvent[] = [];
      let nextToken: string | undefined;
      do {
        const page = await this.deps.sfn.send(
          new GetExecutionHistoryCommand({ executionArn, nextToken, maxResults: 1000 }),
        );
        events.push(...(page.events ?? []));
        nextToken = page.nextToken;
      } while (nextToken);
      for (const event of events.slice(seen)) {
        const line = describeEvent(event);
        if (line) this.deps.print(line);
      }
      seen = events.length;
      // Read the status after the history, so the last events of a finished run are printed first.
      const status = await this.currentStatus(executionArn);
      if (status !== 'RUNNING') return status;
      await this.sleep(this.pollMs);
    }
  }

  private explain(error: unknown, stackName: string, env: string): Error {
    const err = error as Error;
    if (err.name === 'ValidationError' && /does not exist/.test(err.message))
      return new OperatorError(
        `stack ${stackName} is not deployed in this account and region: deploy it with npx cdk deploy -c env=${env} (docs/deploy.md)`,
      );
    return explainAwsError(err);
  }
}

/** One line per state entered, left or failed; nothing for the rest of the history. */
function describeEvent(event: HistoryEvent): string | undefined {
  const at = event.timestamp?.toISOString().slice(11, 19) ?? '';
  switch (event.type) {
    case 'TaskStateEntered':
    case 'MapStateEntered':
    case 'ChoiceStateEntered':
      return `  ${at} → ${event.stateEnteredEventDetails?.name}`;
    case 'TaskStateExited':
    case 'MapStateExited':
      return `  ${at} ✓ ${event.stateExitedEventDetails?.name}`;
    case 'TaskFailed':
    case 'LambdaFunctionFailed':
      return `  ${at} ✗ ${event.taskFailedEventDetails?.error ?? event.lambdaFunctionFailedEventDetails?.error}: ${event.taskFailedEventDetails?.cause ?? event.lambdaFunctionFailedEventDetails?.cause ?? ''}`.slice(
        0,
        400,
      );
    case 'ExecutionFailed':
      return `  ${at} ✗ run failed: ${event.executionFailedEventDetails?.error}: ${event.executionFailedEventDetails?.cause ?? ''}`.slice(
        0,
        400,
      );
    default:
      return undefined;
  }
}
