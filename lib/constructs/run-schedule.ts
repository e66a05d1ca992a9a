import { Duration } from 'aws-cdk-lib';
import {
  ContextAttribute,
  Schedule,
  ScheduleExpression,
  ScheduleTargetInput,
} from 'aws-cdk-lib/aws-scheduler';
import { StepFunctionsStartExecution } from 'aws-cdk-lib/aws-scheduler-targets';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';

export interface RunScheduleProps {
  readonly stateMachine: IStateMachine;
  /** What the schedule's console page says it does. */
  readonly description: string;
  /** EventBridge Scheduler cron, in UTC. */
  readonly expression: string;
  readonly enabled: boolean;
  /** The sources its runs take (default: every source of the environment). */
  readonly sources?: readonly string[];
  /** Where a start that failed every retry goes. */
  readonly deadLetterQueue: IQueue;
}

/**
 * Starts a run on a schedule. The run's input carries the time the schedule fired for, so a run retried
 * or started late still processes the right day (lambdas/plan/plan-run.ts).
 */
export class RunSchedule extends Construct {
  public readonly schedule: Schedule;

  constructor(scope: Construct, id: string, props: RunScheduleProps) {
    super(scope, id);
    this.schedule = new Schedule(this, 'Schedule', {
      description: props.description,
      schedule: ScheduleExpression.expression(props.expression),
      enabled: props.enabled,
      target: new StepFunctionsStartExecution(props.stateMachine, {
        input: ScheduleTargetInput.fromObject({
          scheduledTime: ContextAttribute.scheduledTime,
          ...(props.sources ? { sources: props.sources } : {}),
        }),
        retryAttempts: 3,
        maxEventAge: Duration.hours(6),
        deadLetterQueue: props.deadLetterQueue,
      }),
    });
  }
}
