import { StateMachine } from 'aws-local-stepfunctions';
import { STATE } from '../../lib/constructs/batch-state-machine';
import {
  allStates,
  StateMachineDefinition,
  stateMachineDefinitionFrom,
} from '../../lib/state-machine-definition';
import { checkLoads, recordRunInWarehouse, useWarehouse } from '../../lambdas/load-audit/handler';
import { RecordingExecutor } from '../support/recording-executor';
import { handler as plan } from '../../lambdas/plan/handler';
import { handler as reconcile } from '../../lambdas/reconcile/handler';
import { QualityGateError, RunInProgressError, TransportError } from '../../lambdas/shared/errors';
import { pipelineStack, pipelineTemplate } from '../support/pipeline-app';
import { Template } from 'aws-cdk-lib/assertions';
import { buildRunNotice, RunNoticeInput } from '../../lambdas/notify/run-notice';

// The definition CloudFormation would deploy, read back from the synthesized dev template, run by
// aws-local-stepfunctions. Plan and reconcile are the real handlers; extract, validate, notify, the
// commit and the SQS send are test doubles that record what they were given.
const definition = stateMachineDefinitionFrom(pipelineTemplate('dev').toJSON());

type Handler = (input: never) => Promise<unknown>;

interface ExtractCall {
  source: string;
  resource: string;
  batchId: string;
  logicalDate: string;
  continuation?: { nextPartition: number };
}

/** Two pages per resource in one page group, 10 records each; the first call of each resource pauses once. */
function fakeExtract(calls: ExtractCall[]) {
  return async (input: ExtractCall) => {
    calls.push(input);
    const done = input.continuation !== undefined;
    return {
      source: input.source,
      resource: input.resource,
      batchId: input.batchId,
      logicalDate: input.logicalDate,
      done,
      ...(done ? {} : { continuation: { nextPartition: 1, paused: [] } }),
      manifestKey: `${input.source}/${input.resource}/manifest.json`,
      pageKeys: ['a', 'b'],
      pages: done ? 2 : 1,
      records: done ? 20 : 10,
      ...(done ? { pageGroups: [{ index: 0, first: 0, count: 2 }], pendingCursor: '2026-11-01' } : {}),
      retries: 0,
      durationMs: 5,
    };
  };
}

function fakeValidate(records = 20) {
  return async (input: { source: string; resource: string; pageGroup: { index: number } }) => ({
    source: input.source,
    resource: input.resource,
    batchId: 'run-1',
    inputRecords: records,
    validRecords: records - 1,
    rejectedRecords: 1,
    quarantinedPages: 0,
    pages: 2,
    tables: {
      [input.resource]: { rows: records - 1, keys: [`part-g00${input.pageGroup.index}-00001.parquet`] },
    },
    rejectKeys: [`${input.source}/${input.resource}/rejects-g000-00001.jsonl.gz`],
    schemaVersions: { [input.resource]: 1 },
    discardedValues: {},
  });
}

interface Recorded {
  quality: Array<Record<string, unknown>>;
  notices: Array<Record<string, unknown>>;
  dlqMessages: Array<Record<string, unknown>>;
  commits: Array<{ extracted: Array<Record<string, unknown>> }>;
  leases: Array<{ action: string; batchId: string; resources?: unknown[] }>;
  /** The order of the run's last steps: lease, commit, record, notice. */
  order: string[];
  reconcileCalls: number;
}

async function run(
  input: Record<string, unknown>,
  handlers: Record<string, Handler>,
  machineDefinition: StateMachineDefinition = definition,
) {
  const recorded: Recorded = {
    quality: [],
    notices: [],
    dlqMessages: [],
    commits: [],
    leases: [],
    order: [],
    reconcileCalls: 0,
  };
  const notify = async (notice: Record<string, unknown>) => {
    recorded.notices.push(notice);
    recorded.order.push(`notify ${String(notice.status)}`);
    return { outcome: notice.status === 'failed' ? 'FAILED' : 'SUCCEEDED' };
  };
  const bindings: Record<string, Handler> = {
    [STATE.plan]: plan as Handler,
    [STATE.reconcile]: (async (event: never) => {
      recorded.reconcileCalls += 1;
      return reconcile(event);
    }) as Handler,
    [STATE.quality]: (async (event: Record<string, unknown>) => {
      recorded.quality.push(event);
      return { verdict: 'warn', checks: 3, failed: [], warned: ['fakestore__products: row_count() = 20'] };
    }) as Handler,
    [STATE.notifySuccess]: notify as Handler,
    [STATE.notifyFailure]: notify as Handler,
    [STATE.commitState]: (async (event: Recorded['commits'][number]) => {
      recorded.commits.push(event);
      recorded.order.push('commit');
      return { committed: [] };
    }) as Handler,
    ...Object.fromEntries(
      [STATE.acquireLease, STATE.releaseLease, STATE.releaseAfterFailure].map((state) => [
        state,
        (async (event: Recorded['leases'][number]) => {
          recorded.leases.push(event);
          recorded.order.push(event.action);
          return { leases: [] };
        }) as Handler,
      ]),
    ),
    [STATE.sendToDlq]: (async (message: { MessageBody: Record<string, unknown> }) => {
      recorded.dlqMessages.push(message.MessageBody);
      return { MessageId: 'm-1' };
    }) as Handler,
    ...handlers,
  };
  // The run's record, where the warehouse steps are bound, takes its place in the order of the last steps.
  for (const state of [STATE.recordRun, STATE.recordFailedRun]) {
    const record = bindings[state];
    if (record)
      bindings[state] = (async (event: never) => {
        recorded.order.push('record');
        return record(event);
      }) as Handler;
  }
  const machine = new StateMachine(machineDefinition as never);
  const tasks = [...allStates(machineDefinition)]
    .filter(([, state]) => state.Type === 'Task')
    .map(([name]) => name);
  const execution = machine.run(input as never, {
    overrides: {
      taskResourceLocalHandlers: bindings as never,
      // Retries keep their count, not their 1-2-4 s pauses.
      retryIntervalOverrides: Object.fromEntries(tasks.map((name) => [name, 0])),
      waitTimeOverrides: { [STATE.waitForLoads]: 0 },
    },
    context: {
      Execution: {
        Id: 'arn:aws:states:eu-west-1:123456789012:execution:Pipeline:run-1',
        Name: 'run-1',
        Input: input as never,
        StartTime: '2026-11-22T06:00:00.000Z',
      },
      StateMachine: { Id: 'arn:aws:states:eu-west-1:123456789012:stateMachine:Pipeline' },
    },
  });
  const outcome = await execution.result.then(
    (output: unknown) => ({ output, error: undefined }),
    // The Fail state names the error it failed with (ErrorPath): the run's error as the console shows it.
    (error: Error & { cause?: Error }) => ({
      output: undefined,
      error: { name: error.cause?.name ?? error.name, message: error.message },
    }),
  );
  return { ...outcome, recorded };
}

describe('the batch state machine, run locally', () => {
  const savedSources = process.env.PIPELINE_SOURCES;
  beforeAll(() => (process.env.PIPELINE_SOURCES = 'gfn,fakestore'));
  afterAll(() => (process.env.PIPELINE_SOURCES = savedSources));

  it('extracts every resource (following continuations), validates, reconciles, notifies and commits last', async () => {
    const extractCalls: ExtractCall[] = [];
    const { output, error, recorded } = await run(
      { logicalDate: '2026-11-01', sources: ['fakestore'] },
      { [STATE.extract]: fakeExtract(extractCalls) as Handler, [STATE.validate]: fakeValidate() as Handler },
    );
    expect(error).toBeUndefined();
    const resources = ['products', 'users', 'carts'];
    // Each resource: a first call, then one with the continuation it returned.
    expect(extractCalls).toHaveLength(6);
    for (const resource of resources) {
      const calls = extractCalls.filter((call) => call.resource === resource);
      expect(calls.map((call) => call.continuation)).toEqual([undefined, { nextPartition: 1, paused: [] }]);
      expect(calls[0]).toMatchObject({ source: 'fakestore', batchId: 'run-1', logicalDate: '2026-11-01' });
    }
    expect(recorded.quality).toEqual([{ batchId: 'run-1', logicalDate: '2026-11-01' }]);
    expect(recorded.notices).toHaveLength(1);
    expect(recorded.notices[0]).toMatchObject({
      status: 'succeeded',
      quality: { verdict: 'warn' },
      executionArn: 'arn:aws:states:eu-west-1:123456789012:execution:Pipeline:run-1',
      summary: { totals: { extracted: 60, valid: 57, rejected: 3 } },
    });
    // The commit gets each resource's pending cursor, and page keys were dropped from the state.
    expect(recorded.commits).toHaveLength(1);
    expect(recorded.commits[0]!.extracted).toHaveLength(3);
    for (const extracted of recorded.commits[0]!.extracted)
      expect(extracted).toMatchObject({ pendingCursor: '2026-11-01', pageKeys: [] });
    expect(recorded.dlqMessages).toEqual([]);
    expect(output).toMatchObject({ batchId: 'run-1', logicalDate: '2026-11-01' });
    // The run leased its resources before extracting, and announced success only after committing.
    expect(recorded.leases[0]).toEqual({
      action: 'acquire',
      batchId: 'run-1',
      executionArn: 'arn:aws:states:eu-west-1:123456789012:execution:Pipeline:run-1',
      resources: resources.map((resource) => ({ source: 'fakestore', resource })),
    });
    expect(recorded.order).toEqual(['acquire', 'commit', 'release', 'notify succeeded']);
  });

  it('stops before extracting when another run holds a resource, and releases nothing of its own', async () => {
    const extractCalls: ExtractCall[] = [];
    let acquireCalls = 0;
    const { error, recorded } = await run(
      { logicalDate: '2026-11-01', sources: ['fakestore'] },
      {
        [STATE.extract]: fakeExtract(extractCalls) as Handler,
        [STATE.validate]: fakeValidate() as Handler,
        [STATE.acquireLease]: (async () => {
          acquireCalls += 1;
          throw new RunInProgressError('batch run-0 has been running fakestore/carts', {}, 'wait');
        }) as Handler,
      },
    );
    expect(error?.name).toBe('RunInProgressError');
    expect(acquireCalls).toBe(1); // not retried: waiting three seconds does not end another run
    expect(extractCalls).toEqual([]);
    expect(recorded.commits).toEqual([]);
    expect(recorded.order).toEqual(['release', 'notify failed']);
    expect(recorded.notices[0]).toMatchObject({
      status: 'failed',
      error: { Error: 'RunInProgressError', Cause: expect.stringContaining('batch run-0') },
    });
  });

  it('retries a task that fails twice, then goes on as if nothing happened', async () => {
    const extractCalls: ExtractCall[] = [];
    const succeedsThird = fakeExtract(extractCalls);
    let failures = 0;
    const flaky = async (input: ExtractCall) => {
      if (input.resource === 'users' && failures < 2) {
        failures += 1;
        throw new TransportError('connection reset on every one of 5 attempts', {}, 'retry');
      }
      return succeedsThird(input);
    };
    const { error, recorded } = await run(
      { logicalDate: '2026-11-01', sources: ['fakestore'] },
      { [STATE.extract]: flaky as Handler, [STATE.validate]: fakeValidate() as Handler },
    );
    expect(error).toBeUndefined();
    expect(failures).toBe(2);
    expect(recorded.notices[0]).toMatchObject({ status: 'succeeded' });
    expect(recorded.commits).toHaveLength(1);
  });

  it('sends a task that always fails to the failure notice and the dead-letter queue, and fails the run', async () => {
    let validateCalls = 0;
    const broken = async () => {
      validateCalls += 1;
      throw new TransportError('S3 unreachable', { source: 'fakestore' }, 'check the network');
    };
    const input = { logicalDate: '2026-11-01', sources: ['fakestore'] };
    const { error, recorded } = await run(input, {
      [STATE.extract]: fakeExtract([]) as Handler,
      [STATE.validate]: broken as Handler,
    });
    expect(error).toEqual({ name: 'TransportError', message: expect.stringContaining('S3 unreachable') });
    // 1 + 3 retries for the resource that failed first; the Map stops at the first failure.
    expect(validateCalls).toBeGreaterThanOrEqual(4);
    expect(recorded.notices).toEqual([
      expect.objectContaining({
        status: 'failed',
        batchId: 'run-1',
        error: expect.objectContaining({
          Error: 'TransportError',
          Cause: expect.stringContaining('S3 unreachable'),
        }),
      }),
    ]);
    expect(recorded.dlqMessages).toEqual([
      {
        executionArn: 'arn:aws:states:eu-west-1:123456789012:execution:Pipeline:run-1',
        stateMachineArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:Pipeline',
        input,
        error: expect.objectContaining({ Error: 'TransportError' }),
      },
    ]);
    expect(recorded.commits).toEqual([]); // state never advances on a failed run
    expect(recorded.order).toEqual(['acquire', 'release', 'notify failed']);
    expect(recorded.leases.at(-1)).toEqual({ action: 'release', batchId: 'run-1' });
  });

  it('fails the run on a reconciliation mismatch, without retrying it and without committing', async () => {
    const { error, recorded } = await run(
      { logicalDate: '2026-11-01', sources: ['fakestore'] },
      { [STATE.extract]: fakeExtract([]) as Handler, [STATE.validate]: fakeValidate(19) as Handler },
    );
    expect(error?.name).toBe('ReconciliationError');
    expect(recorded.reconcileCalls).toBe(1);
    expect(recorded.notices).toEqual([
      expect.objectContaining({
        status: 'failed',
        error: expect.objectContaining({
          Error: 'ReconciliationError',
          Cause: expect.stringContaining('extract counted 20 records, validate read 19'),
        }),
      }),
    ]);
    expect(recorded.dlqMessages).toHaveLength(1);
    expect(recorded.commits).toEqual([]);
  });

  it('fails the run through the failure notice when the quality gate fails, without retrying or committing', async () => {
    let qualityCalls = 0;
    const { error, recorded } = await run(
      { logicalDate: '2026-11-01', sources: ['fakestore'] },
      {
        [STATE.extract]: fakeExtract([]) as Handler,
        [STATE.validate]: fakeValidate() as Handler,
        [STATE.quality]: (async () => {
          qualityCalls += 1;
          throw new QualityGateError(
            '1 data-quality check(s) failed: fakestore__products: row_count() = 0',
            {},
            'look',
          );
        }) as Handler,
      },
    );
    expect(error?.name).toBe('QualityGateError');
    expect(qualityCalls).toBe(1);
    expect(recorded.notices).toEqual([
      expect.objectContaining({
        status: 'failed',
        error: expect.objectContaining({ Cause: expect.stringContaining('row_count() = 0') }),
      }),
    ]);
    expect(recorded.commits).toEqual([]);
  });

  it('plans the day from the schedule time when no date is given', async () => {
    const extractCalls: ExtractCall[] = [];
    const { error } = await run(
      { scheduledTime: '2026-11-22T06:00:00Z' },
      { [STATE.extract]: fakeExtract(extractCalls) as Handler, [STATE.validate]: fakeValidate() as Handler },
    );
    expect(error).toBeUndefined();
    expect(new Set(extractCalls.map((call) => call.logicalDate))).toEqual(new Set(['2026-11-22']));
    expect(new Set(extractCalls.map((call) => call.source))).toEqual(new Set(['gfn', 'fakestore']));
  });
});

describe('the batch state machine with Snowflake, run locally', () => {
  const snowflake = {
    secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:pipeline/snowflake-AbCdEf',
    database: 'PIPELINE_DEV',
    warehouse: 'PIPELINE_WH',
  };
  const withWarehouse = stateMachineDefinitionFrom(
    Template.fromStack(pipelineStack('dev', { overrides: { snowflake } }).stack).toJSON(),
  );
  const savedSources = process.env.PIPELINE_SOURCES;
  beforeAll(() => (process.env.PIPELINE_SOURCES = 'fakestore'));
  afterAll(() => {
    process.env.PIPELINE_SOURCES = savedSources;
    useWarehouse(undefined);
  });

  /** Snowpipe at the edge: COPY_HISTORY shows the batch's files loaded after `checksBeforeLoaded` checks. */
  function snowflakeLoading(checksBeforeLoaded: number, status = 'Loaded') {
    const executor = new RecordingExecutor();
    let checks = 0;
    executor.respond = (sqlText) => {
      if (!sqlText.includes('COPY_HISTORY')) return undefined;
      checks += 1;
      if (checks <= checksBeforeLoaded * 3) return [];
      return ['products', 'users', 'carts'].map((resource) => ({
        FILE_NAME: `fakestore/${resource}/dt=2026-11-01/batch=run-1/part-g000-00001.parquet`,
        STATUS: status,
        FIRST_ERROR_MESSAGE: status === 'Loaded' ? null : 'File could not be read',
      }));
    };
    useWarehouse({ executor, database: 'PIPELINE_DEV' });
    return executor;
  }

  const validateWithParts = async (input: {
    source: string;
    resource: string;
    pageGroup: { index: number };
  }) => ({
    ...(await fakeValidate()(input)),
    tables: {
      [input.resource]: {
        rows: 19,
        keys: [`fakestore/${input.resource}/dt=2026-11-01/batch=run-1/part-g000-00001.parquet`],
      },
    },
  });

  /** Extract and validate doubles; the warehouse steps are the real handlers on the recording executor. */
  const warehouseRunHandlers = () => ({
    [STATE.extract]: fakeExtract([]) as Handler,
    [STATE.validate]: validateWithParts as Handler,
    [STATE.checkLoads]: checkLoads as Handler,
    [STATE.recordRun]: recordRunInWarehouse as Handler,
    [STATE.recordFailedRun]: recordRunInWarehouse as Handler,
  });

  /** The PIPELINE_RUNS rows written, as column → value. */
  const runRows = (executor: RecordingExecutor) =>
    executor.calls
      .filter((call) => call.sqlText.startsWith('MERGE INTO PIPELINE_DEV.ANALYTICS.PIPELINE_RUNS'))
      .map((call) => {
        const names = [...call.sqlText.matchAll(/CAST\(\? AS \w+\) AS (\w+)/g)].map((match) => match[1]!);
        return Object.fromEntries(names.map((name, index) => [name, call.binds![index]]));
      });

  it('waits until Snowpipe has loaded every part of the batch, records the run, then commits and notifies', async () => {
    const executor = snowflakeLoading(2);
    const { error, recorded } = await run(
      { logicalDate: '2026-11-01' },
      warehouseRunHandlers(),
      withWarehouse,
    );
    expect(error).toBeUndefined();
    // Two checks found nothing yet (three tables each), the third found everything.
    expect(executor.calls.filter((call) => call.sqlText.includes('COPY_HISTORY'))).toHaveLength(9);
    const merge = executor.calls.find((call) =>
      call.sqlText.startsWith('MERGE INTO PIPELINE_DEV.ANALYTICS.PIPELINE_RUNS'),
    );
    expect(merge?.binds?.slice(0, 3)).toEqual(['run-1', '2026-11-01', 'PARTIAL']);
    expect(recorded.notices[0]).toMatchObject({ status: 'succeeded' });
    expect(recorded.commits).toHaveLength(1);
  });

  it("writes the run's row last: after the commit and the leases, before the notice", async () => {
    const executor = snowflakeLoading(0);
    const { error, recorded } = await run(
      { logicalDate: '2026-11-01' },
      warehouseRunHandlers(),
      withWarehouse,
    );
    expect(error).toBeUndefined();
    expect(recorded.order).toEqual(['acquire', 'commit', 'release', 'record', 'notify succeeded']);
    expect(runRows(executor)).toEqual([
      expect.objectContaining({ batch_id: 'run-1', status: 'PARTIAL', extracted: 60, failed_step: null }),
    ]);
    expect(recorded.notices[0]).toMatchObject({ recorded: { recorded: 'run-1' } });
  });

  it('records a failed run as FAILED with the step that failed and its error, then notifies', async () => {
    const executor = snowflakeLoading(0, 'Load failed');
    const { error, recorded } = await run(
      { logicalDate: '2026-11-01' },
      warehouseRunHandlers(),
      withWarehouse,
    );
    expect(error?.name).toBe('WarehouseLoadError');
    expect(recorded.order).toEqual(['acquire', 'release', 'record', 'notify failed']);
    expect(runRows(executor)).toEqual([
      expect.objectContaining({
        batch_id: 'run-1',
        logical_date: '2026-11-01',
        status: 'FAILED',
        failed_step: STATE.checkLoads,
        error: expect.stringMatching(
          /^WarehouseLoadError: the warehouse failed to load 3 file\(s\).*File could not be read/,
        ),
      }),
    ]);
    expect(recorded.notices[0]).toMatchObject({ status: 'failed', failedStep: STATE.checkLoads });
  });

  it('records a run that failed before its plan, on the day it was started', async () => {
    const executor = snowflakeLoading(0);
    const { error } = await run({ logicalDate: 'yesterday' }, warehouseRunHandlers(), withWarehouse);
    expect(error?.name).toBe('ConfigError');
    const [row] = runRows(executor);
    expect(row?.logical_date).toBe(String(row?.started_at).slice(0, 10));
    expect(runRows(executor)).toEqual([
      expect.objectContaining({
        status: 'FAILED',
        failed_step: STATE.plan,
        resources: 0,
        error: expect.stringContaining('"yesterday" is not a date'),
      }),
    ]);
  });

  it('still succeeds when its row cannot be written, and says so in the notice', async () => {
    const executor = snowflakeLoading(0);
    executor.failOn = /^MERGE INTO PIPELINE_DEV\.ANALYTICS\.PIPELINE_RUNS/;
    const { error, recorded } = await run(
      { logicalDate: '2026-11-01' },
      warehouseRunHandlers(),
      withWarehouse,
    );
    expect(error).toBeUndefined();
    expect(recorded.commits).toHaveLength(1);
    const notice = recorded.notices[0] as unknown as RunNoticeInput;
    expect(notice.recorded?.Error).toBe('Error');
    expect(buildRunNotice(notice, new Date('2026-11-22T06:10:00Z')).message).toMatch(
      /Not recorded in ANALYTICS\.PIPELINE_RUNS: Error: SQL access control error/,
    );
  });

  it('fails the run, without committing, when Snowflake could not load a file', async () => {
    snowflakeLoading(0, 'Load failed');
    const { error, recorded } = await run(
      { logicalDate: '2026-11-01' },
      warehouseRunHandlers(),
      withWarehouse,
    );
    expect(error).toEqual({
      name: 'WarehouseLoadError',
      message: expect.stringContaining('File could not be read'),
    });
    expect(recorded.notices[0]).toMatchObject({ status: 'failed' });
    expect(recorded.dlqMessages).toHaveLength(1);
    expect(recorded.commits).toEqual([]);
  });
});
