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

export interface DailyScheduleProps {
  readonly stateMachine: IStateMachine;
  /** EventBridge Scheduler cron, in UTC. */
  readonly expression: string;
  readonly enabled: boolean;
  /** Where a start that failed every retry goes. */
  readonly deadLetterQueue: IQueue;
}

/**
 * Starts a run every day. The run's input carries the time the schedule fired for, so a run retried or
 * started late still processes the right day (lambdas/plan/plan-run.ts).
 */
export class DailySchedule extends Construct {
  public readonly schedule: Schedule;

  constructor(scope: Construct, id: string, props: DailyScheduleProps) {
    super(scope, id);
    this.schedule = new Schedule(this, 'Schedule', {
      description: 'Starts the daily pipeline run',
      schedule: ScheduleExpression.expression(props.expression),
      enabled: props.enabled,
      target: new StepFunctionsStartExecution(props.stateMachine, {
        input: ScheduleTargetInput.fromObject({ scheduledTime: ContextAttribute.scheduledTime }),
        retryAttempts: 3,
        maxEventAge: Duration.hours(6),
        deadLetterQueue: props.deadLetterQueue,
      }),
    });
  }
}
