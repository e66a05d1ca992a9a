import { CfnElement, Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { Function as LambdaFunction, IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import {
  Choice,
  IChainable,
  Condition,
  DefinitionBody,
  Errors,
  Fail,
  JitterType,
  JsonPath,
  LogLevel,
  Map as MapState,
  Pass,
  Result,
  StateMachine,
  Succeed,
  TaskInput,
  TaskStateBase,
  Timeout,
  Wait,
  WaitTime,
} from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke, SqsSendMessage } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { NON_RETRYABLE_ERRORS } from '../../lambdas/shared/errors';
import { LONG_STEP_SECONDS } from '../config/step-timeouts';
import { RUN_TIMEOUT_SECONDS } from '../../lambdas/run-lease/run-leases';
import { acceptFinding, arnToken } from './nag-acknowledgements';

/**
 * State names: the local runner and the tests bind each Lambda task to its handler by name
 * (aws-local-stepfunctions), so they are part of the interface.
 */
export const STATE = {
  plan: 'Plan run',
  acquireLease: 'Acquire run lease',
  extractAll: 'Extract resources',
  extract: 'Extract',
  extractDone: 'Extract done?',
  continueExtract: 'Continue extract',
  keepExtractSummary: 'Keep extract summary',
  validateAll: 'Validate resources',
  validateGroups: 'Validate page groups',
  validate: 'Validate',
  reconcile: 'Reconcile',
  keepRunSummary: 'Keep run summary',
  startLoadWait: 'Start waiting for warehouse loads',
  checkLoads: 'Check warehouse loads',
  loadsDone: 'Warehouse loads done?',
  waitForLoads: 'Wait for warehouse loads',
  recordRun: 'Record run in warehouse',
  recordFailedRun: 'Record failed run in warehouse',
  quality: 'Check data quality',
  notifySuccess: 'Notify success',
  commitState: 'Commit state',
  releaseLease: 'Release run lease',
  succeeded: 'Run succeeded',
  releaseAfterFailure: 'Release run lease after failure',
  notifyFailure: 'Notify failure',
  sendToDlq: 'Send to dead-letter queue',
  failed: 'Run failed',
} as const;

/** Which handler each Lambda task state runs (`lambdas/<step>/handler.ts`). */
export const TASK_STEPS = {
  [STATE.plan]: 'plan',
  [STATE.acquireLease]: 'run-lease',
  [STATE.extract]: 'extract',
  [STATE.validate]: 'validate',
  [STATE.reconcile]: 'reconcile',
  [STATE.checkLoads]: 'load-audit',
  [STATE.recordRun]: 'load-audit',
  [STATE.recordFailedRun]: 'load-audit',
  [STATE.quality]: 'quality',
  [STATE.notifySuccess]: 'notify',
  [STATE.commitState]: 'commit-state',
  [STATE.releaseLease]: 'run-lease',
  [STATE.releaseAfterFailure]: 'run-lease',
  [STATE.notifyFailure]: 'notify',
} as const;

export interface BatchFunctions {
  readonly plan: IFunction;
  readonly extract: IFunction;
  readonly validate: IFunction;
  readonly reconcile: IFunction;
  readonly quality: IFunction;
  readonly notify: IFunction;
  readonly commitState: IFunction;
  /** Takes the run's resources before it extracts, gives them back at its end (one run per resource). */
  readonly runLease: IFunction;
}

/** The Snowflake steps, present only in an environment with Snowflake configured. */
export interface WarehouseFunctions {
  readonly checkLoads: IFunction;
  /** Writes the run's PIPELINE_RUNS row, as the last step of a run that succeeded and of one that failed. */
  readonly recordRun: IFunction;
}

/** The Pass state every Catch of a step leads through: it keeps the step's name for the failure path. */
export const failedAt = (step: string) => `Failed at ${step}`;

export interface BatchStateMachineProps {
  readonly functions: BatchFunctions;
  /** @default no Snowflake steps: the run ends at the transformed bucket */
  readonly warehouse?: WarehouseFunctions;
  /** Pause between two checks of the warehouse loads. @default 1 minute */
  readonly loadCheckInterval?: Duration;
  /** Where a failed run's input and cause go, to be looked at and re-driven. */
  readonly deadLetterQueue: IQueue;
  /** Source/resource pairs extracted (and validated) at once. */
  readonly maxConcurrency: number;
  readonly logRetention: RetentionDays;
  readonly removalPolicy: RemovalPolicy;
  /** What the state machine logs (the environment's `stateMachineLogging`). */
  readonly logging: { level: 'ALL' | 'ERROR' | 'FATAL' | 'OFF'; includeExecutionData: boolean };
  /** @default 6 hours: a stuck run fails (and alerts) instead of holding the day forever */
  readonly timeout?: Duration;
}

/** How long a run may take before it fails (and alerts) instead of holding the day forever. */
export const DEFAULT_RUN_TIMEOUT = Duration.seconds(RUN_TIMEOUT_SECONDS);

/** How a timed-out task fails: the task's own limit, or the function's. */
const TIMEOUT_ERRORS = [Errors.TIMEOUT, 'Sandbox.Timedout'];

/** Every Catch of the main path keeps the error where the failure path reads it. */
const INTO_ERROR = { resultPath: '$.error' };

/**
 * Every task: three more attempts after 1, 2 and 4 s (with jitter), except for failures a retry cannot
 * fix — and, for a long step, its timeout (`States.Timeout` of the task, `Sandbox.Timedout` of the
 * function): a retry would repeat the same slow work and hold the run an hour.
 */
function withRetries<T extends TaskStateBase>(task: T, options: { retryTimeouts?: boolean } = {}): T {
  task.addRetry({
    errors: [...NON_RETRYABLE_ERRORS, ...(options.retryTimeouts === false ? TIMEOUT_ERRORS : [])],
    maxAttempts: 0,
  });
  task.addRetry({
    errors: [Errors.ALL],
    maxAttempts: 3,
    interval: Duration.seconds(1),
    backoffRate: 2,
    jitterStrategy: JitterType.FULL,
  });
  return task;
}

/**
 * The batch run: plan → take a lease on each resource (one run per resource) → extract every resource
 * (looping on continuations) → validate every resource (page groups in parallel) → reconcile the
 * counts → (load, quality) → commit incremental state → give the leases back → notify. Any failure:
 * the leases given back, a failure notice, the execution's input and cause to the dead-letter queue,
 * and the run fails. JSONPath and inline Maps only, so that `npm start` runs this very definition locally.
 */
export class BatchStateMachine extends Construct {
  public readonly stateMachine: StateMachine;
  public readonly logGroup: LogGroup;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: BatchStateMachineProps,
  ) {
    super(scope, id);
    const releaseAfterFailure = this.failurePath();
    const { plan, acquireLease } = this.planAndLease();
    const extractAll = this.extractEveryResource();
    const validateAll = this.validateEveryResource();
    const { reconcile, quality, commitState, checkLoads, notifySuccess } = this.reconcileToNotice();

    // Every step of the main path fails into the failure path, naming itself for the run's record.
    const mainPath: Array<[string, TaskStateBase | MapState | undefined]> = [
      [STATE.plan, plan],
      [STATE.acquireLease, acquireLease],
      [STATE.extractAll, extractAll],
      [STATE.validateAll, validateAll],
      [STATE.reconcile, reconcile],
      [STATE.checkLoads, checkLoads],
      [STATE.quality, quality],
      [STATE.commitState, commitState],
      [STATE.notifySuccess, notifySuccess],
    ];
    for (const [name, step] of mainPath) if (step) this.catchInto(step, name, releaseAfterFailure);

    const definition = plan
      .next(acquireLease)
      .next(extractAll)
      .next(validateAll)
      .next(reconcile)
      .next(this.keepRunSummary())
      .next(checkLoads ? this.waitForLoads(checkLoads, quality) : quality);

    this.logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      definitionBody: DefinitionBody.fromChainable(definition),
      logs: {
        destination: this.logGroup,
        level: LogLevel[props.logging.level],
        includeExecutionData: props.logging.includeExecutionData,
      },
      tracingEnabled: true,
      timeout: props.timeout ?? DEFAULT_RUN_TIMEOUT,
    });
    this.acceptFindings();
  }

  /** A Lambda task with the house settings and retries. */
  private invoke(
    name: string,
    fn: IFunction,
    options: Partial<ConstructorParameters<typeof LambdaInvoke>[2]> = {},
  ): LambdaInvoke {
    const functionSeconds = (fn as Partial<LambdaFunction>).timeout?.toSeconds() ?? 900;
    return withRetries(
      new LambdaInvoke(this, name, {
        stateName: name,
        lambdaFunction: fn,
        payloadResponseOnly: true,
        // The function's own limit plus a margin: Step Functions' default would wait forever.
        taskTimeout: Timeout.duration(Duration.seconds(functionSeconds + 60)),
        retryOnServiceExceptions: false, // the States.ALL retrier covers Lambda's own transient errors
        ...options,
      }),
      { retryTimeouts: functionSeconds < LONG_STEP_SECONDS },
    );
  }

  /**
   * The failure path every Catch leads to: give the leases back, a failure notice, the execution's
   * input and cause to the dead-letter queue, and a Fail state that keeps the original error name.
   */
  private failurePath(): LambdaInvoke {
    const { functions } = this.props;
    const runFailed = new Fail(this, STATE.failed, {
      stateName: STATE.failed,
      errorPath: '$.error.Error',
      causePath: '$.error.Cause',
    });
    const sendToDlq = withRetries(
      new SqsSendMessage(this, STATE.sendToDlq, {
        stateName: STATE.sendToDlq,
        queue: this.props.deadLetterQueue,
        messageBody: TaskInput.fromObject({
          executionArn: JsonPath.stringAt('$$.Execution.Id'),
          stateMachineArn: JsonPath.stringAt('$$.StateMachine.Id'),
          input: JsonPath.objectAt('$$.Execution.Input'),
          error: JsonPath.objectAt('$.error'),
        }),
        resultPath: JsonPath.DISCARD,
      }),
    ).next(runFailed);
    const notifyFailure = this.invoke(STATE.notifyFailure, functions.notify, {
      payload: TaskInput.fromObject({
        status: 'failed',
        executionArn: JsonPath.stringAt('$$.Execution.Id'),
        startedAt: JsonPath.stringAt('$$.Execution.StartTime'),
        batchId: JsonPath.stringAt('$$.Execution.Name'),
        failedStep: JsonPath.stringAt('$.failedStep'),
        error: JsonPath.objectAt('$.error'),
        ...this.recordedField(),
      }),
      resultPath: JsonPath.DISCARD,
    });
    // A notice that cannot be sent must not keep the run's cause from the dead-letter queue.
    notifyFailure.addCatch(sendToDlq, { resultPath: '$.notifyError' });
    notifyFailure.next(sendToDlq);
    // The failed run's row is written after its leases are given back; one that cannot be written is
    // said in the notice.
    const afterRelease = this.props.warehouse
      ? this.recordRun(STATE.recordFailedRun, this.props.warehouse.recordRun, notifyFailure)
      : notifyFailure;
    // A failed run gives its resources back first (only the leases it holds: a run stopped by another's
    // lease releases nothing); a lease that cannot be given back expires with the state machine's timeout.
    const releaseAfterFailure = this.invoke(STATE.releaseAfterFailure, functions.runLease, {
      payload: TaskInput.fromObject({ action: 'release', batchId: JsonPath.stringAt('$$.Execution.Name') }),
      resultPath: JsonPath.DISCARD,
    });
    releaseAfterFailure.addCatch(afterRelease, { resultPath: '$.releaseError' });
    releaseAfterFailure.next(afterRelease);
    return releaseAfterFailure;
  }

  /** Catches every error of `step` into the failure path, through a Pass state that names the step. */
  private catchInto(step: TaskStateBase | MapState, name: string, failurePath: IChainable): void {
    const marker = new Pass(this, failedAt(name), {
      stateName: failedAt(name),
      result: Result.fromString(name),
      resultPath: '$.failedStep',
    }).next(failurePath);
    step.addCatch(marker, INTO_ERROR);
  }

  /**
   * The run's PIPELINE_RUNS row (lambdas/load-audit): the execution's name, start and input, and all the
   * run holds by then (day, counts, quality, the failed step and its error). Its answer, or the error it
   * failed with, is `$.recorded` for the notice that follows.
   */
  private recordRun(name: string, fn: IFunction, next: IChainable): LambdaInvoke {
    const record = this.invoke(name, fn, {
      payload: TaskInput.fromObject({
        batchId: JsonPath.stringAt('$$.Execution.Name'),
        startedAt: JsonPath.stringAt('$$.Execution.StartTime'),
        input: JsonPath.objectAt('$$.Execution.Input'),
        run: JsonPath.objectAt('$'),
      }),
      resultPath: '$.recorded',
    });
    record.addCatch(next, { resultPath: '$.recorded' });
    record.next(next);
    return record;
  }

  /** With Snowflake, the notices say whether the run's row was written (`$.recorded`). */
  private recordedField(): Record<string, unknown> {
    return this.props.warehouse ? { recorded: JsonPath.objectAt('$.recorded') } : {};
  }

  /** The run's plan (day, resources), then a lease on each resource: one run per resource at a time. */
  private planAndLease(): { plan: LambdaInvoke; acquireLease: LambdaInvoke } {
    const { functions } = this.props;
    const plan = this.invoke(STATE.plan, functions.plan, {
      payload: TaskInput.fromObject({
        batchId: JsonPath.stringAt('$$.Execution.Name'),
        input: JsonPath.objectAt('$'),
      }),
    });
    // A second execution stops here, before extracting, naming the run it met.
    const acquireLease = this.invoke(STATE.acquireLease, functions.runLease, {
      payload: TaskInput.fromObject({
        action: 'acquire',
        batchId: JsonPath.stringAt('$.batchId'),
        executionArn: JsonPath.stringAt('$$.Execution.Id'),
        resources: JsonPath.listAt('$.resources'),
      }),
      resultPath: JsonPath.DISCARD,
    });
    return { plan, acquireLease };
  }

  /** Every resource, each calling extract until it says done, each call resuming from the last continuation. */
  private extractEveryResource(): MapState {
    const extract = this.invoke(STATE.extract, this.props.functions.extract, { resultPath: '$.extract' });
    const continueExtract = new Pass(this, STATE.continueExtract, {
      stateName: STATE.continueExtract,
      parameters: {
        source: JsonPath.stringAt('$.source'),
        resource: JsonPath.stringAt('$.resource'),
        batchId: JsonPath.stringAt('$.batchId'),
        logicalDate: JsonPath.stringAt('$.logicalDate'),
        backfill: JsonPath.stringAt('$.backfill'),
        continuation: JsonPath.objectAt('$.extract.continuation'),
      },
    }).next(extract);
    // Page keys would soon outgrow the 256 KB a state may hold; the manifest lists them for validate.
    const keepExtractSummary = new Pass(this, STATE.keepExtractSummary, {
      stateName: STATE.keepExtractSummary,
      result: Result.fromArray([]),
      resultPath: '$.extract.pageKeys',
      outputPath: '$.extract',
    });
    const extractDone = new Choice(this, STATE.extractDone, { stateName: STATE.extractDone })
      .when(Condition.booleanEquals('$.extract.done', true), keepExtractSummary)
      .otherwise(continueExtract);
    return new MapState(this, STATE.extractAll, {
      stateName: STATE.extractAll,
      itemsPath: '$.resources',
      itemSelector: {
        source: JsonPath.stringAt('$$.Map.Item.Value.source'),
        resource: JsonPath.stringAt('$$.Map.Item.Value.resource'),
        batchId: JsonPath.stringAt('$.batchId'),
        logicalDate: JsonPath.stringAt('$.logicalDate'),
        // A backfill fetches the day's window and moves no cursor (lambdas/extract).
        backfill: JsonPath.stringAt('$.backfill'),
      },
      maxConcurrency: this.props.maxConcurrency,
      resultPath: '$.extracted',
    }).itemProcessor(extract.next(extractDone));
  }

  /** Every resource, each of its page groups validated in its own invocation. */
  private validateEveryResource(): MapState {
    const validate = this.invoke(STATE.validate, this.props.functions.validate);
    const validateGroups = new MapState(this, STATE.validateGroups, {
      stateName: STATE.validateGroups,
      itemsPath: '$.extract.pageGroups',
      itemSelector: {
        source: JsonPath.stringAt('$.extract.source'),
        resource: JsonPath.stringAt('$.extract.resource'),
        batchId: JsonPath.stringAt('$.extract.batchId'),
        logicalDate: JsonPath.stringAt('$.extract.logicalDate'),
        pageGroup: JsonPath.objectAt('$$.Map.Item.Value'),
      },
      maxConcurrency: this.props.maxConcurrency,
    }).itemProcessor(validate);
    return new MapState(this, STATE.validateAll, {
      stateName: STATE.validateAll,
      itemsPath: '$.extracted',
      itemSelector: { extract: JsonPath.objectAt('$$.Map.Item.Value') },
      maxConcurrency: this.props.maxConcurrency,
      resultPath: '$.validated',
    }).itemProcessor(validateGroups);
  }

  /**
   * Reconcile the counts, then (after the load) the quality gate, the cursor commit, the leases given
   * back, the run's row in the warehouse and the success notice: state advances last, the record after it.
   */
  private reconcileToNotice() {
    const { functions, warehouse } = this.props;
    const reconcile = this.invoke(STATE.reconcile, functions.reconcile, {
      payload: TaskInput.fromObject({
        batchId: JsonPath.stringAt('$.batchId'),
        logicalDate: JsonPath.stringAt('$.logicalDate'),
        extracted: JsonPath.listAt('$.extracted'),
        validated: JsonPath.listAt('$.validated'),
      }),
      resultPath: '$.summary',
    });
    const notifySuccess = this.invoke(STATE.notifySuccess, functions.notify, {
      payload: TaskInput.fromObject({
        status: 'succeeded',
        executionArn: JsonPath.stringAt('$$.Execution.Id'),
        startedAt: JsonPath.stringAt('$$.Execution.StartTime'),
        summary: JsonPath.objectAt('$.summary'),
        quality: JsonPath.objectAt('$.quality'),
        ...this.recordedField(),
      }),
      resultPath: JsonPath.DISCARD,
    });
    notifySuccess.next(new Succeed(this, STATE.succeeded, { stateName: STATE.succeeded }));
    // After the load: write, audit, publish. The batch is merged into CLEAN and checked in one
    // transaction, kept only if the gate passes; then ANALYTICS is rebuilt. A failed `fail` check fails
    // the run (through the failure notice, which lists them); warnings ride along to the success notice.
    const quality = this.invoke(STATE.quality, functions.quality, {
      payload: TaskInput.fromObject({
        batchId: JsonPath.stringAt('$.batchId'),
        logicalDate: JsonPath.stringAt('$.logicalDate'),
      }),
      resultPath: '$.quality',
    });
    // State advances last: only a run that got this far moves the incremental cursors; the success
    // notice follows the commit, so a run is never announced and then failed.
    const commitState = this.invoke(STATE.commitState, functions.commitState, {
      payload: TaskInput.fromObject({ extracted: JsonPath.listAt('$.extracted') }),
      resultPath: '$.committed',
    });
    const releaseLease = this.invoke(STATE.releaseLease, functions.runLease, {
      payload: TaskInput.fromObject({ action: 'release', batchId: JsonPath.stringAt('$.batchId') }),
      resultPath: JsonPath.DISCARD,
    });
    // The run's row is its last write: the data is in and the cursors moved. A row that cannot be
    // written does not undo that; the notice says so.
    const afterRelease = warehouse
      ? this.recordRun(STATE.recordRun, warehouse.recordRun, notifySuccess)
      : notifySuccess;
    // The data is in and the cursors moved: a lease that cannot be given back just expires.
    releaseLease.addCatch(afterRelease, { resultPath: '$.releaseError' });
    quality.next(commitState);
    commitState.next(releaseLease).next(afterRelease);
    const checkLoads =
      warehouse &&
      this.invoke(STATE.checkLoads, warehouse.checkLoads, {
        payload: TaskInput.fromObject({
          summary: JsonPath.objectAt('$.summary'),
          attempt: JsonPath.numberAt('$.loads.attempt'),
        }),
        resultPath: '$.loads',
      });
    return { reconcile, quality, commitState, checkLoads, notifySuccess };
  }

  /**
   * Once reconciled, the page groups' answers are in the summary: the rest of the run carries only what
   * its steps read, so a run of many resources stays inside the 256 KB a state may hold
   * (docs/benchmarks.md, "One execution").
   */
  private keepRunSummary(): Pass {
    return new Pass(this, STATE.keepRunSummary, {
      stateName: STATE.keepRunSummary,
      parameters: {
        batchId: JsonPath.stringAt('$.batchId'),
        logicalDate: JsonPath.stringAt('$.logicalDate'),
        extracted: JsonPath.listAt('$.extracted'),
        summary: JsonPath.objectAt('$.summary'),
      },
    });
  }

  /**
   * With Snowflake: wait until Snowpipe has loaded every Parquet part of the batch (or one failed, or
   * the checks ran out), then the quality gate.
   */
  private waitForLoads(checkLoads: LambdaInvoke, quality: LambdaInvoke): IChainable {
    const waitForLoads = new Wait(this, STATE.waitForLoads, {
      stateName: STATE.waitForLoads,
      time: WaitTime.duration(this.props.loadCheckInterval ?? Duration.minutes(1)),
    }).next(checkLoads);
    return new Pass(this, STATE.startLoadWait, {
      stateName: STATE.startLoadWait,
      result: Result.fromObject({ attempt: 0 }),
      resultPath: '$.loads',
    })
      .next(checkLoads)
      .next(
        new Choice(this, STATE.loadsDone, { stateName: STATE.loadsDone })
          .when(Condition.numberGreaterThan('$.loads.pending', 0), waitForLoads)
          .otherwise(quality),
      );
  }

  /** cdk-nag findings accepted on purpose, each with its reason. */
  private acceptFindings(): void {
    const reason =
      'the state machine may invoke the versions and aliases of the pipeline functions (CDK grants <arn>:*)';
    for (const fn of [...Object.values(this.props.functions), ...Object.values(this.props.warehouse ?? {})]) {
      const cfn = fn.node.defaultChild as CfnElement;
      acceptFinding(this.stateMachine, `IAM5[Resource::${arnToken(cfn)}:*]`, reason);
    }
    acceptFinding(
      this.stateMachine,
      'IAM5[Resource::*]',
      'X-Ray tracing and log delivery to CloudWatch Logs have no resource-level permissions',
    );
    if (this.props.logging.level !== 'ALL')
      acceptFinding(
        this.stateMachine,
        'SF1',
        `the environment logs ${this.props.logging.level} events only (stateMachineLogging): every execution's full history stays in Step Functions for 90 days, and logging each transition of every page group would cost a CloudWatch line each`,
      );
  }
}
