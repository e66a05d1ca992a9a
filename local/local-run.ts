import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { RunLeases } from '../lambdas/run-lease/run-leases';
import { logger } from '../lambdas/shared/logger';
import { createS3Client } from '../lambdas/shared/s3-client';
import { startFixtureApi, fixtureCredentials, FaultRule, FixtureApiOptions } from './fixture-api/server';
import { startLocalS3 } from './local-s3';
import { baseUrlOverrideVariable, loadSources } from '../lambdas/sources';
import { handler as plan } from '../lambdas/plan/handler';
import { handler as extract, resetContainer as resetExtract } from '../lambdas/extract/handler';
import { handler as validate, resetContainer as resetValidate } from '../lambdas/validate/handler';
import { handler as reconcile } from '../lambdas/reconcile/handler';
import { handler as commitState, resetContainer as resetCommit } from '../lambdas/commit-state/handler';
import { handler as runLease, resetContainer as resetLease } from '../lambdas/run-lease/handler';
import { buildRunNotice, RunNotice, RunNoticeInput } from '../lambdas/notify/run-notice';
import {
  ExtractResult,
  QualityEvent,
  qualityEventSchema,
  ReconcileResult,
  ValidateResult,
} from '../lambdas/shared/step-messages';
import { parseStepEvent } from '../lambdas/shared/step-event';
import { withoutSecretArns } from './task-environments';
import type { CommittedCursor } from '../lambdas/commit-state/commit-cursors';
import {
  runExecution,
  STATE,
  SynthesizedPipeline,
  synthesizedPipeline,
  TaskHandler,
} from './local-state-machine';
import { FunctionEnvironments } from './function-environment';
import { localBuckets } from './local-buckets';
import { STATE_PREFIX } from '../lambdas/shared/keys';
import { CleanModel, evolvedCleanModels } from '../lambdas/warehouse/clean-models';
import { SchemaRegistry } from '../lambdas/contracts/schema-registry';
import { openWarehouse } from './warehouse/open-warehouse';
import type { PipelineWarehouse, WarehouseKind } from './warehouse/pipeline-warehouse';
import { LoadFailure, LocalSnowpipe } from './warehouse/local-snowpipe';
import { readLogsInto } from './readable-logs';
import { RunPrinter } from './run-printer';
import { failedLoadsError } from '../lambdas/load-audit/warehouse-loads';
import { catalogueChecks, loadChecks } from '../lambdas/quality/check-config';
import { qualityGate, qualitySummary } from '../lambdas/quality/quality-gate';
import type { QualityVerdict } from '../lambdas/quality/run-checks';
import { writeAuditPublish } from '../lambdas/quality/write-audit-publish';
import { loadAnalyticsModels } from '../lambdas/quality/analytics-models';

export interface LocalRunOptions {
  /** The handlers' warnings said in words under their resource (npm start), not as JSON lines. */
  readableLogs?: boolean;
  dataDirectory: string;
  sources?: string[];
  resources?: string[];
  logicalDate: string;
  batchId: string;
  faults?: FaultRule[];
  /** The fixture API's size (tests run a smaller one); default: what `npm start` serves. */
  fixture?: FixtureApiOptions;
  fresh?: boolean;
  /** Progress lines go here (stdout in the CLI, nowhere in tests). */
  print?: (line: string) => void;
  /** Where the data-quality checks are (default: every source's, sources/<source>/checks). */
  checksDirectory?: string;
  /** Fetch the logical date's own window and move no cursor (a backfill day). */
  backfill?: boolean;
  /** The deployed pipeline to run (default: `cdk synth -c env=dev`'s); tests change it to see what breaks. */
  pipeline?: SynthesizedPipeline;
  /** The warehouse to fill (default: DuckDB's file in the data directory). */
  warehouse?: WarehouseKind;
  /** With `warehouse: 'postgres'`: the database to use; without it, a server of the run's own. */
  databaseUrl?: string;
}

export interface LayerCounts {
  raw: Array<{ table: string; rows: number }>;
  clean: Array<{ table: string; rows: number }>;
  analytics: Array<{ table: string; rows: number }>;
}

/** What the local task handlers saw of the run. */
type Observed = Pick<
  LocalRunSummary,
  'extracts' | 'validations' | 'counts' | 'notice' | 'quality' | 'committed' | 'deadLetterFile' | 'failedStep'
>;

export interface LocalRunSummary {
  status: 'SUCCEEDED' | 'FAILED';
  batchId: string;
  logicalDate: string;
  /** Every extract answer, continuations included, in the order they came. */
  extracts: ExtractResult[];
  validations: ValidateResult[];
  /** Reconcile's counts (absent when the run failed before it). */
  counts?: ReconcileResult;
  /** The run notice, as the alerts topic would receive it. */
  notice?: RunNotice;
  /** Every data-quality check of this run (the quality step), absent when the run failed before it. */
  quality?: QualityVerdict;
  /** Cursors moved by this run; none when it failed (state advances last). */
  committed: CommittedCursor[];
  error?: { name: string; cause: string };
  /** The state that failed, on a failed run (the failure path's `$.failedStep`). */
  failedStep?: string;
  /** Where the failed run's dead-letter message was written. */
  deadLetterFile?: string;
  /** Parquet files the local Snowpipe loaded during this run. */
  loadedFiles: Array<{ key: string; rows: number }>;
  /** Files in the transformed bucket the local Snowpipe could not load (this run's or any other's). */
  loadFailures: LoadFailure[];
  layers: LayerCounts;
  rawObjectCount: number;
  s3Directory: string;
  /** Which warehouse the run filled. */
  warehouseKind: WarehouseKind;
  /** Where it is: DuckDB's file, or PostgreSQL's URL without its password. */
  warehousePath: string;
  seconds: number;
  /** How long each task state's handler took, each time it ran (ms): what the functions' timeouts rest on. */
  taskMs: Record<string, number[]>;
  /** State transitions of the execution, as Step Functions bills them. */
  transitions: number;
}

/**
 * `npm start`: the deployed pipeline, on this machine. The state machine definition comes from the
 * synthesized CDK app; each Lambda task runs its real handler in-process against a fixture API and an
 * s3rver on loopback; a local Snowpipe loads the Parquet it writes into DuckDB, where the CLEAN and
 * ANALYTICS models then run.
 */
export async function runLocalPipeline(options: LocalRunOptions): Promise<LocalRunSummary> {
  const started = Date.now();
  const printer = new RunPrinter(options.print);
  const s3Directory = join(options.dataDirectory, 's3');
  if (options.fresh) rmSync(s3Directory, { recursive: true, force: true });
  mkdirSync(s3Directory, { recursive: true });

  const pipeline = options.pipeline ?? synthesizedPipeline();
  // The warehouse first: it is what most often cannot start (a lock, a server), and then nothing else has.
  const opened = await openWarehouse({
    kind: options.warehouse ?? 'duckdb',
    dataDirectory: options.dataDirectory,
    databaseUrl: options.databaseUrl,
    fresh: options.fresh,
    onWait: printer.print,
    exclusive: true,
  });
  const { warehouse } = opened;
  printer.warehouseOpened(warehouse.kind, warehouse.location);
  const api = await startFixtureApi(options.fixture);
  const s3Server = await startLocalS3({ directory: s3Directory, buckets: Object.values(localBuckets) });
  for (const fault of options.faults ?? []) api.faults.add(fault);
  const client = createS3Client({ AWS_ENDPOINT_URL_S3: s3Server.endpoint });
  const snowpipe = new LocalSnowpipe(client, localBuckets.transformed, warehouse, {
    report: (message) => printer.loadProblem(message),
  });
  snowpipe.attach(s3Server);
  // This process holds the data directory's run lock (DuckDB's file lock, or PostgreSQL's advisory
  // lock), so no other local run uses it: a lease left here is an interrupted run's (Ctrl-C), and
  // would otherwise block the next six hours.
  const leftovers = new RunLeases(client, localBuckets.raw, logger);
  for (const key of await leftovers.releaseWhere(() => true)) printer.leaseReleased(key);
  if (!options.fresh && !options.backfill && (await stateWithoutRuns(client, warehouse)))
    printer.stateWithoutRuns(s3Directory);

  const observed: Observed = { extracts: [], validations: [], committed: [] };
  // CLEAN's models with the columns evolve mode added (the schema registry in the transformed bucket).
  const registry = new SchemaRegistry(client, localBuckets.transformed);
  const cleanModels = () => evolvedCleanModels(registry);
  const functionEnvironments = new FunctionEnvironments();
  const taskMs: Record<string, number[]> = {};
  const handlers = timed(
    inFunctionEnvironments(
      localTaskHandlers(options, printer, snowpipe, warehouse, observed, cleanModels),
      pipeline.environments,
      localSubstitutions(api.baseUrls, s3Server.endpoint),
      functionEnvironments,
    ),
    taskMs,
  );

  let status: LocalRunSummary['status'];
  let transitions: number;
  let error: LocalRunSummary['error'];
  // The handlers' warnings, in words under their resource, instead of JSON between the progress lines.
  const restoreLogs = options.readableLogs ? readLogsInto((line) => printer.logged(line)) : () => undefined;
  try {
    functionEnvironments.install();
    // The handlers read their environment once per container, as in Lambda: start fresh containers.
    resetExtract();
    resetValidate();
    resetCommit();
    resetLease();
    const outcome = await runExecution(pipeline.definition, {
      name: options.batchId,
      input: {
        logicalDate: options.logicalDate,
        ...(options.sources?.length ? { sources: options.sources } : {}),
        ...(options.resources?.length ? { resources: options.resources } : {}),
        ...(options.backfill ? { backfill: true } : {}),
      },
      handlers,
    });
    functionEnvironments.uninstall();
    status = outcome.status;
    transitions = outcome.transitions;
    if (outcome.status === 'FAILED') error = { name: outcome.error, cause: outcome.cause };

    // In AWS Snowpipe loads every file written, whatever the run's outcome: RAW locally too. What a
    // failed run wrote is not published (only a run's quality step publishes, and only what passes).
    if (!observed.quality) {
      printer.loadingAfterFailure(warehouse.kind);
      await snowpipe.refresh();
    }
    // The run's row, as the record step writes it in AWS (the same statement), its outcome by the same rule.
    await warehouse.recordRun({
      batchId: options.batchId,
      logicalDate: options.logicalDate,
      startedAt: new Date(started).toISOString(),
      finishedAt: new Date().toISOString(),
      counts: observed.counts,
      quality: observed.quality && qualitySummary(observed.quality),
      ...(error
        ? {
            failure: {
              step: observed.failedStep ?? 'unknown',
              error: { Error: error.name, Cause: error.cause },
            },
          }
        : {}),
    });
    printer.loaded(snowpipe.loaded, snowpipe.failed.size);
    return {
      status,
      batchId: options.batchId,
      logicalDate: options.logicalDate,
      ...observed,
      error,
      loadedFiles: snowpipe.loaded,
      loadFailures: snowpipe.failuresWhere(() => true),
      layers: {
        raw: await warehouse.tableCounts('raw'),
        clean: await warehouse.tableCounts('clean'),
        analytics: await warehouse.tableCounts('analytics'),
      },
      rawObjectCount: await countObjects(client, localBuckets.raw),
      s3Directory,
      warehouseKind: warehouse.kind,
      warehousePath: warehouse.location,
      seconds: (Date.now() - started) / 1000,
      taskMs,
      transitions,
    };
  } finally {
    restoreLogs();
    functionEnvironments.uninstall();
    client.destroy();
    await opened.close();
    await s3Server.stop();
    await api.close();
  }
}

/**
 * The state machine's tasks, locally: each step's real handler, told to the user as it goes; the
 * quality step first loads and models as Snowpipe and Snowflake's tasks would; the dead-letter queue is
 * a file. What the handlers return is also kept in `observed`.
 */
function localTaskHandlers(
  options: LocalRunOptions,
  printer: RunPrinter,
  snowpipe: LocalSnowpipe,
  warehouse: PipelineWarehouse,
  observed: Observed,
  cleanModels: () => Promise<CleanModel[]>,
): Record<string, TaskHandler> {
  const notify = async (input: RunNoticeInput) => {
    observed.failedStep = input.failedStep;
    const notice = (observed.notice = buildRunNotice(input, new Date()));
    printer.notified(notice);
    return { outcome: notice.outcome };
  };
  return {
    [STATE.plan]: (async (event: Parameters<typeof plan>[0]) => {
      const planned = await plan(event);
      printer.planned(planned);
      return planned;
    }) as TaskHandler,
    [STATE.extract]: (async (event: Parameters<typeof extract>[0]) => {
      const began = Date.now();
      let result: ExtractResult;
      try {
        result = await extract(event);
      } catch (error) {
        // Said where it happened, as it happens; the state machine then retries or fails the run.
        const { source, resource } = event as { source: string; resource: string };
        printer.extractFailed(source, resource, error as Error);
        throw error;
      }
      observed.extracts.push(result);
      printer.extracted(result, (Date.now() - began) / 1000);
      return result;
    }) as TaskHandler,
    [STATE.validate]: (async (event: Parameters<typeof validate>[0]) => {
      const result = await validate(event);
      observed.validations.push(result);
      printer.validated(result);
      return result;
    }) as TaskHandler,
    [STATE.reconcile]: (async (event: Parameters<typeof reconcile>[0]) => {
      const counts = (observed.counts = await reconcile(event));
      printer.reconciled(counts);
      return counts;
    }) as TaskHandler,
    // After the load, as in AWS: here the local Snowpipe and the stream's merge task first, then the
    // step's own work, write-audit-publish, with the same function and statements on the local warehouse.
    [STATE.quality]: (async (message: QualityEvent) => {
      const event = parseStepEvent(qualityEventSchema, message, 'quality', '{ batchId, logicalDate }');
      printer.qualityStarted(warehouse.kind);
      await snowpipe.refresh();
      // As in AWS, where the load check fails the run on a file of its batch Snowflake refused; other
      // files' failures (another run's, the stream's) were reported and do not stop this run.
      const ownFailures = snowpipe.failuresWhere((key) => key.includes(`/batch=${event.batchId}/`));
      if (ownFailures.length)
        throw failedLoadsError(ownFailures.map((failure) => ({ file: failure.key, error: failure.error })));
      const models = await cleanModels();
      await warehouse.mergeStreamed(models);
      const outcome = await warehouse.inSession((executor) =>
        writeAuditPublish({
          executor,
          dialect: warehouse.dialect,
          batchId: event.batchId,
          logicalDate: event.logicalDate,
          cleanModels: models,
          checks: options.checksDirectory ? loadChecks(options.checksDirectory) : catalogueChecks(),
          analyticsModels: loadAnalyticsModels(),
        }),
      );
      observed.quality = outcome;
      printer.checked(outcome);
      printer.published(outcome);
      return qualityGate(outcome);
    }) as TaskHandler,
    [STATE.notifySuccess]: notify as TaskHandler,
    [STATE.notifyFailure]: notify as TaskHandler,
    [STATE.commitState]: (async (event: Parameters<typeof commitState>[0]) => {
      const answer = await commitState(event);
      observed.committed = answer.committed;
      printer.committed(answer.committed);
      return answer;
    }) as TaskHandler,
    [STATE.acquireLease]: runLease as TaskHandler,
    [STATE.releaseLease]: runLease as TaskHandler,
    [STATE.releaseAfterFailure]: runLease as TaskHandler,
    // The run dead-letter queue, locally: a file per failed run.
    [STATE.sendToDlq]: (async (message: { QueueUrl: string; MessageBody: unknown }) => {
      const directory = join(options.dataDirectory, 'dead-letter');
      mkdirSync(directory, { recursive: true });
      const deadLetterFile = (observed.deadLetterFile = join(directory, `${options.batchId}.json`));
      writeFileSync(deadLetterFile, `${JSON.stringify(message.MessageBody, null, 2)}\n`);
      printer.deadLettered(deadLetterFile);
      return { MessageId: options.batchId };
    }) as TaskHandler,
  };
}

/** Each handler, timed: every run of a task state adds its duration to `taskMs`. */
function timed(handlers: Record<string, TaskHandler>, taskMs: Record<string, number[]>) {
  return Object.fromEntries(
    Object.entries(handlers).map(([state, handler]) => [
      state,
      (async (event: never) => {
        const started = performance.now();
        try {
          return await handler(event);
        } finally {
          (taskMs[state] ??= []).push(performance.now() - started);
        }
      }) as TaskHandler,
    ]),
  );
}

/**
 * Each task runs with its function's variables from the template, as in Lambda, plus what only this
 * machine can say: where the endpoints are, the secrets' values, and the runtime's own variables. A task
 * with no function (the dead-letter queue) runs as it is.
 */
function inFunctionEnvironments(
  handlers: Record<string, TaskHandler>,
  environments: SynthesizedPipeline['environments'],
  substitutions: Record<string, string>,
  functionEnvironments: FunctionEnvironments,
): Record<string, TaskHandler> {
  return Object.fromEntries(
    Object.entries(handlers).map(([state, handler]) => {
      const variables = environments[state];
      if (!variables) return [state, handler];
      const environment = { ...variables, ...substitutions };
      if (environment.PIPELINE_SOURCE_SETTINGS)
        environment.PIPELINE_SOURCE_SETTINGS = withoutSecretArns(environment.PIPELINE_SOURCE_SETTINGS);
      return [
        state,
        ((event: never) => functionEnvironments.run(environment, () => handler(event))) as TaskHandler,
      ];
    }),
  );
}

/**
 * What Lambda's runtime sets, or the bundle stands for, that a local task needs from this shell; and
 * how loud this machine wants Powertools (metrics off by default locally: local/local-defaults.ts).
 */
const RUNTIME_VARIABLES = [
  'PATH',
  'HOME',
  'TMPDIR',
  'TZ',
  'LANG',
  'PIPELINE_SOURCES_PATH',
  'POWERTOOLS_METRICS_DISABLED',
  'POWERTOOLS_LOG_LEVEL',
];

/**
 * The endpoints and credentials of this machine, and nothing else: the local S3; each source's base URL
 * (this shell's `PIPELINE_BASE_URL_<SOURCE>` where set, to reach a real API, else the fixture API);
 * each secret the sources name (this shell's value, else the fixture API's); the runtime's variables.
 */
function localSubstitutions(
  baseUrls: Record<string, string>,
  s3Endpoint: string,
  shell: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const variables: Record<string, string> = { AWS_REGION: shell.AWS_REGION ?? 'us-east-1' };
  for (const name of RUNTIME_VARIABLES) if (shell[name] !== undefined) variables[name] = shell[name]!;
  variables.AWS_ENDPOINT_URL_S3 = s3Endpoint;
  const sources = loadSources({ PIPELINE_SOURCES_PATH: shell.PIPELINE_SOURCES_PATH });
  for (const source of sources.keys()) {
    const variable = baseUrlOverrideVariable(source);
    const url = shell[variable] ?? baseUrls[source];
    if (url) variables[variable] = url;
  }
  for (const name of [...sources.values()].flatMap(secretNames)) {
    const value = shell[name] ?? (fixtureCredentials as Record<string, string>)[name];
    if (value !== undefined) variables[name] = value;
  }
  return variables;
}

/** The secret names a source's settings refer to (`{ secret: NAME }`, wherever they are). */
function secretNames(settings: unknown): string[] {
  if (Array.isArray(settings)) return settings.flatMap(secretNames);
  if (typeof settings !== 'object' || settings === null) return [];
  const { secret } = settings as { secret?: unknown };
  if (typeof secret === 'string') return [secret];
  return Object.values(settings).flatMap(secretNames);
}

/**
 * The local S3 holds incremental state, but the warehouse has no run: its runs went into the other
 * warehouse (or it was deleted). This run fetches only what changed since, so CLEAN would hold only that.
 */
async function stateWithoutRuns(client: S3Client, warehouse: PipelineWarehouse): Promise<boolean> {
  // No MaxKeys: s3rver answers InternalError when a listing it truncates (MaxKeys 1 of 2) is asked.
  const state = await client.send(
    new ListObjectsV2Command({ Bucket: localBuckets.raw, Prefix: STATE_PREFIX }),
  );
  if (!state.KeyCount) return false;
  const [row] = await warehouse.rows('select count(*) as runs from analytics.pipeline_runs');
  return Number(row!.runs) === 0;
}

async function countObjects(client: S3Client, bucket: string): Promise<number> {
  let count = 0;
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    count += page.KeyCount ?? 0;
    token = page.NextContinuationToken;
  } while (token);
  return count;
}
