/**
 * How large a run one Step Functions execution can take: the deployed definition (prod, with
 * Snowflake) runs under aws-local-stepfunctions with extract and validate answering as they would for
 * a resource of the given size, and the real reconcile building the summary that travels. It reports
 * the history events AWS would record (from the local event log, by AWS's event types per state) and
 * the largest state input or output, against the 25,000 events and 256 KB an execution is allowed.
 *
 *   npx tsx bench/execution-scale.bench.ts
 */
// The reconcile handler's EMF metrics would fill the table's output; set before the handler loads them.
import './quiet-metrics';
import { App } from 'aws-cdk-lib';
import { StateMachine } from 'aws-local-stepfunctions';
import { environmentConfig } from '../lib/config/environments';
import { PipelineStack } from '../lib/pipeline-stack';
import { STATE } from '../lib/constructs/batch-state-machine';
import {
  allStates,
  StateMachineDefinition,
  stateMachineDefinitionFrom,
} from '../lib/state-machine-definition';
import { DEFAULT_MAX_PAGES_PER_INVOCATION } from '../lambdas/extract/handler';
import { handler as reconcile } from '../lambdas/reconcile/handler';
import { planPageGroups } from '../lambdas/shared/page-groups';
import type { ExtractEvent, ExtractResult, PageGroup, ValidateResult } from '../lambdas/shared/step-messages';
import { logger } from '../lambdas/shared/logger';
import { UNREADABLE_NAMED } from '../lambdas/validate/js-path';

/** Step Functions' limits for a Standard execution. */
const MAX_HISTORY_EVENTS = 25_000;
const MAX_PAYLOAD_BYTES = 256 * 1024;

interface Scenario {
  name: string;
  /** Resources the run extracts. */
  resources: number;
  pagesPerResource: number;
  /** Raw bytes per page (decides the page groups: 2 GiB each). */
  pageBytes: number;
  /** Partitions walked at once, each paused mid-way in a continuation (source concurrency). */
  pausedPartitions?: number;
  /** Tables per resource (its own and its child tables): one Parquet part each per page group. */
  tables?: number;
  /** Pages quarantined per page group, each named with its problem in validate's answer (at most 3). */
  unreadablePerGroup?: number;
}

const key = (resource: number, what: string) =>
  `source_${resource}/resource_${resource}/dt=2026-11-20/batch=2026-11-20T06-00-00Z-3f9c/${what}`;

/** Extract as it answers for the scenario: a continuation every 500 pages, the page groups once done. */
function extractFor(scenario: Scenario) {
  return async (event: ExtractEvent): Promise<ExtractResult> => {
    const resource = Number(event.resource.split('_')[1]);
    const before = event.continuation?.nextPartition ?? 0;
    const landed = Math.min(DEFAULT_MAX_PAGES_PER_INVOCATION, scenario.pagesPerResource - before);
    const pages = before + landed;
    const done = pages >= scenario.pagesPerResource;
    const paused = Array.from({ length: done ? 0 : (scenario.pausedPartitions ?? 4) }, (_, index) => ({
      partition: pages + index,
      state: { cursor: 'eyJ1cGRhdGVkX2F0IjoiMjAyNi0xMS0yMFQwNjowMDowMC4wMDBaIiwiaWQiOjEyMzQ1Njc4OX0' },
      nextPage: 3,
    }));
    const groups: PageGroup[] | undefined = done
      ? planPageGroups(
          Array.from({ length: scenario.pagesPerResource }, () => ({ bytes: scenario.pageBytes })),
        )
      : undefined;
    return {
      source: event.source,
      resource: event.resource,
      batchId: event.batchId,
      logicalDate: event.logicalDate,
      done,
      ...(done
        ? {}
        : {
            continuation: { nextPartition: pages, paused, stateEtag: '"9b2cf535f27731c974343645a3985328"' },
          }),
      manifestKey: key(resource, 'manifest.json'),
      pageKeys: Array.from({ length: landed }, (_, index) => key(resource, `page-${before + index}.json.gz`)),
      pages,
      unreadablePages: 0,
      records: pages * 1000,
      startCursor: '2026-11-19T06:00:00.000Z',
      ...(done ? { pendingCursor: '2026-11-20T05:59:59.000Z', pageGroups: groups } : {}),
      stateEtag: '"9b2cf535f27731c974343645a3985328"',
      retries: 0,
      durationMs: 840_000,
    };
  };
}

/** Validate as it answers for one page group: its parts, its reject file, its quarantined pages. */
function validateFor(scenario: Scenario) {
  return async (event: {
    source: string;
    resource: string;
    batchId: string;
    pageGroup: PageGroup;
  }): Promise<ValidateResult> => {
    const resource = Number(event.resource.split('_')[1]);
    const group = event.pageGroup;
    const unreadable = Array.from(
      { length: Math.min(UNREADABLE_NAMED, scenario.unreadablePerGroup ?? 0) },
      (_, index) => ({
        key: key(resource, `page-${group.first + index}.json.gz`),
        problem:
          'the body is not JSON: Unexpected token < in JSON at position 0 (an HTML error page with a 200)',
      }),
    );
    const tables = Object.fromEntries(
      Array.from({ length: scenario.tables ?? 1 }, (_, table) => [
        `${event.resource}${table ? `__child_${table}` : ''}`,
        {
          rows: group.count * 1000,
          keys: [key(resource, `part-g${String(group.index).padStart(3, '0')}-00001.parquet`)],
        },
      ]),
    );
    return {
      source: event.source,
      resource: event.resource,
      batchId: event.batchId,
      inputRecords: (group.count - unreadable.length) * 1000,
      validRecords: (group.count - unreadable.length) * 1000,
      rejectedRecords: 0,
      quarantinedPages: unreadable.length,
      pages: group.count,
      unreadable,
      tables,
      rejectKeys: [key(resource, `rejects-g${String(group.index).padStart(3, '0')}-00001.jsonl.gz`)],
      schemaVersions: { [event.resource]: 1 },
      discardedValues: {},
      warnings: [],
    };
  };
}

/** The definition `cdk deploy -c env=prod` ships with Snowflake configured (the longest path). */
function deployedDefinition(): StateMachineDefinition {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const snowflake = {
    secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:pipeline/snowflake-AbCdEf',
    database: 'PIPELINE_PROD',
    warehouse: 'PIPELINE_WH',
  };
  const stack = new PipelineStack(app, 'Pipeline-prod', {
    config: environmentConfig('prod', { snowflake }),
    env: { account: '123456789012', region: 'eu-west-1' },
  });
  return stateMachineDefinitionFrom(
    app.synth().getStackByName(stack.stackName).template as Record<string, unknown>,
  );
}

interface Measured {
  status: string;
  historyEvents: number;
  largestPayloadBytes: number;
  largestPayloadState: string;
  extractInvocations: number;
  pageGroups: number;
  seconds: number;
}

async function measure(definition: StateMachineDefinition, scenario: Scenario): Promise<Measured> {
  const resources = Array.from({ length: scenario.resources }, (_, index) => ({
    source: `source_${index}`,
    resource: `resource_${index}`,
  }));
  const extract = extractFor(scenario);
  const validate = validateFor(scenario);
  let extractInvocations = 0;
  let pageGroups = 0;
  const handlers: Record<string, (input: never) => Promise<unknown>> = {
    [STATE.plan]: async () => ({ batchId: 'run-1', logicalDate: '2026-11-20', resources, backfill: false }),
    [STATE.acquireLease]: async () => ({ leases: [] }),
    [STATE.extract]: async (input: ExtractEvent) => {
      extractInvocations += 1;
      return extract(input);
    },
    [STATE.validate]: async (input: never) => {
      pageGroups += 1;
      return validate(input);
    },
    [STATE.reconcile]: (async (input: never) => reconcile(input)) as never,
    [STATE.checkLoads]: async () => ({ attempt: 1, loaded: 1, pending: 0 }),
    [STATE.quality]: async () => ({ verdict: 'pass', checks: 40, failed: [], warned: [] }),
    [STATE.commitState]: async () => ({ committed: [] }),
    [STATE.releaseLease]: async () => ({ leases: [] }),
    [STATE.recordRun]: async () => ({ recorded: 'run-1', status: 'SUCCEEDED' }),
    [STATE.notifySuccess]: async () => ({ outcome: 'SUCCEEDED' }),
    // A run that fails (reconcile refuses quarantined pages) still has to fit: the failure path's states.
    [STATE.releaseAfterFailure]: async () => ({ leases: [] }),
    [STATE.recordFailedRun]: async () => ({ recorded: 'run-1', status: 'FAILED' }),
    [STATE.notifyFailure]: async () => ({ outcome: 'FAILED' }),
    [STATE.sendToDlq]: async () => ({ MessageId: 'm-1' }),
  };
  const tasks = [...allStates(definition)].filter(([, state]) => state.Type === 'Task').map(([name]) => name);
  const started = Date.now();
  const execution = new StateMachine(definition as never).run({ logicalDate: '2026-11-20' } as never, {
    overrides: {
      taskResourceLocalHandlers: handlers as never,
      retryIntervalOverrides: Object.fromEntries(tasks.map((name) => [name, 0])),
      waitTimeOverrides: { [STATE.waitForLoads]: 0 },
    },
    context: {
      Execution: {
        Name: 'run-1',
        Id: 'arn:aws:states:eu-west-1:123456789012:execution:Pipeline-prod:run-1',
        StartTime: new Date().toISOString(),
      },
    } as never,
  });
  // AWS's history per state: Entered and Exited for each; a Task adds Scheduled, Started and Succeeded
  // (or Failed) per attempt; a Map adds Started and Succeeded, and each iteration Started and Succeeded.
  let historyEvents = 2; // ExecutionStarted, ExecutionSucceeded (or Failed)
  let largest = { bytes: 0, state: '' };
  const types = new Map(allStates(definition));
  for await (const event of execution.eventLogs) {
    if (event.type === 'StateEntered' || event.type === 'StateExited') {
      historyEvents += 1;
      const { name, input, output } = event.state;
      const type = types.get(name)?.Type;
      if (event.type === 'StateEntered') {
        if (type === 'Task') historyEvents += 3;
        if (type === 'Map') historyEvents += 2;
      }
      for (const value of [input, output]) {
        const bytes = value === undefined ? 0 : Buffer.byteLength(JSON.stringify(value));
        if (bytes > largest.bytes) largest = { bytes, state: name };
      }
    } else if (event.type === 'StateRetried') historyEvents += 3;
    else if (event.type === 'MapIterationStarted' || event.type === 'MapIterationSucceeded')
      historyEvents += 1;
  }
  const status = await execution.result.then(
    () => 'SUCCEEDED',
    () => 'FAILED',
  );
  return {
    status,
    historyEvents,
    largestPayloadBytes: largest.bytes,
    largestPayloadState: largest.state,
    extractInvocations,
    pageGroups,
    seconds: (Date.now() - started) / 1000,
  };
}

const GiB = 1024 ** 3;
const scenarios: Scenario[] = [
  {
    name: 'the built-in sources (10 resources, 100 pages each)',
    resources: 10,
    pagesPerResource: 100,
    pageBytes: 300_000,
    tables: 2,
  },
  {
    name: '10 years of daily partitions, a page each (3,650 pages of 50 KB)',
    resources: 1,
    pagesPerResource: 3_650,
    pageBytes: 50_000,
  },
  {
    name: '10 GB in pages of 300 KB (35,791 pages)',
    resources: 1,
    pagesPerResource: Math.ceil((10 * GiB) / 300_000),
    pageBytes: 300_000,
  },
  {
    name: '10 GB in pages of 20 KB (536,871 pages)',
    resources: 1,
    pagesPerResource: Math.ceil((10 * GiB) / 20_000),
    pageBytes: 20_000,
  },
  {
    name: '1.4M pages of 20 KB (28 GB)',
    resources: 1,
    pagesPerResource: 1_400_000,
    pageBytes: 20_000,
  },
  {
    name: '20 resources × 10 GB in pages of 300 KB',
    resources: 20,
    pagesPerResource: Math.ceil((10 * GiB) / 300_000),
    pageBytes: 300_000,
  },
  {
    name: '40 resources × 10 GB in pages of 300 KB',
    resources: 40,
    pagesPerResource: Math.ceil((10 * GiB) / 300_000),
    pageBytes: 300_000,
  },
  { name: '200 resources, 100 pages each', resources: 200, pagesPerResource: 100, pageBytes: 300_000 },
  { name: '300 resources, 100 pages each', resources: 300, pagesPerResource: 100, pageBytes: 300_000 },
  {
    name: '40 resources, 3 tables, 20 quarantined pages per group',
    resources: 40,
    pagesPerResource: 100,
    pageBytes: 300_000,
    tables: 3,
    unreadablePerGroup: 20,
  },
  {
    name: '100 resources, 3 tables, 20 quarantined pages per group',
    resources: 100,
    pagesPerResource: 100,
    pageBytes: 300_000,
    tables: 3,
    unreadablePerGroup: 20,
  },
];

async function main(): Promise<void> {
  logger.setLogLevel('CRITICAL');
  const definition = deployedDefinition();
  const only = process.argv[2];
  console.log(
    '| run | extract calls | page groups | history events (of 25,000) | largest state (of 256 KB) | where | run |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | --- | --- |');
  for (const scenario of scenarios.filter((candidate) => !only || candidate.name.includes(only))) {
    const result = await measure(definition, scenario);
    const events = `${result.historyEvents.toLocaleString('en')} (${((100 * result.historyEvents) / MAX_HISTORY_EVENTS).toFixed(0)} %)`;
    const payload = `${(result.largestPayloadBytes / 1024).toFixed(1)} KB (${((100 * result.largestPayloadBytes) / MAX_PAYLOAD_BYTES).toFixed(0)} %)`;
    console.log(
      `| ${scenario.name} | ${result.extractInvocations.toLocaleString('en')} | ${result.pageGroups} | ${events} | ${payload} | ${result.largestPayloadState} | ${result.status} |`,
    );
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
