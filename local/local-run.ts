import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { RunLeases } from '../lambdas/run-lease/run-leases';
import { logger } from '../lambdas/shared/logger';
import { createS3Client } from '../lambdas/shared/s3-client';
import { startFixtureApi, fixtureCredentials, FaultRule, FixtureApiOptions } from './fixture-api/server';
import { startLocalS3 } from './local-s3';
import { baseUrlOverrideVariable, builtInSources } from '../lambdas/sources';
import { handler as plan } from '../lambdas/plan/handler';
import { handler as extract, resetContainer as resetExtract } from '../lambdas/extract/handler';
import { handler as validate, resetContainer as resetValidate } from '../lambdas/validate/handler';
import { handler as reconcile } from '../lambdas/reconcile/handler';
import { handler as commitState, resetContainer as resetCommit } from '../lambdas/commit-state/handler';
import { handler as runLease, resetContainer as resetLease } from '../lambdas/run-lease/handler';
import { buildRunNotice, RunNotice, RunNoticeInput } from '../lambdas/notify/run-notice';
import type { ExtractResult, ReconcileResult, ValidateResult } from '../lambdas/shared/step-messages';
import type { CommittedCursor } from '../lambdas/commit-state/commit-cursors';
import { runExecution, STATE, synthesizedDefinition, TaskHandler } from './local-state-machine';
import { LocalWarehouse } from './warehouse/warehouse';
import { LoadFailure, LocalSnowpipe } from './warehouse/local-snowpipe';
import { failedLoadsError } from '../lambdas/snowflake-load/warehouse-loads';
import { checksDirectory, loadChecks } from '../lambdas/quality/check-config';
import { duckdbDialect } from '../lambdas/quality/dialect';
import { qualityGate } from '../lambdas/quality/quality-gate';
import { runChecks, QualityVerdict } from '../lambdas/quality/run-checks';

export const localBuckets = { raw: 'raw', transformed: 'transformed', failed: 'failed' } as const;

export interface LocalRunOptions {
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
  /** Where the data-quality checks are (default: the shipped ones, lambdas/quality/checks). */
  checksDirectory?: string;
}

export interface LayerCounts {
  raw: Array<{ table: string; rows: number }>;
  clean: Array<{ table: string; rows: number }>;
  analytics: Array<{ table: string; rows: number }>;
}

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
  /** Where the failed run's dead-letter message was written. */
  deadLetterFile?: string;
  /** Parquet files the local Snowpipe loaded during this run. */
  loadedFiles: Array<{ key: string; rows: number }>;
  /** Files in the transformed bucket the local Snowpipe could not load (this run's or any other's). */
  loadFailures: LoadFailure[];
  layers: LayerCounts;
  rawObjectCount: number;
  s3Directory: string;
  warehousePath: string;
  seconds: number;
}

/**
 * `npm start`: the deployed pipeline, on this machine. The state machine definition comes from the
 * synthesized CDK app; each Lambda task runs its real handler in-process against a fixture API and an
 * s3rver on loopback; a local Snowpipe loads the Parquet it writes into DuckDB, where the CLEAN and
 * ANALYTICS models then run.
 */
export async function runLocalPipeline(options: LocalRunOptions): Promise<LocalRunSummary> {
  const started = Date.now();
  const print = options.print ?? (() => undefined);
  const s3Directory = join(options.dataDirectory, 's3');
  const warehousePath = join(options.dataDirectory, 'warehouse.duckdb');
  if (options.fresh) {
    rmSync(s3Directory, { recursive: true, force: true });
    rmSync(warehousePath, { force: true });
    rmSync(`${warehousePath}.wal`, { force: true });
  }
  mkdirSync(s3Directory, { recursive: true });

  const definition = synthesizedDefinition();
  const api = await startFixtureApi(options.fixture);
  const s3Server = await startLocalS3({ directory: s3Directory, buckets: Object.values(localBuckets) });
  const warehouse = await LocalWarehouse.open(warehousePath, { onWait: print });
  for (const fault of options.faults ?? []) api.faults.add(fault);
  const client = createS3Client({ AWS_ENDPOINT_URL_S3: s3Server.endpoint });
  const snowpipe = new LocalSnowpipe(client, localBuckets.transformed, warehouse, {
    report: (message) => print(`  ! ${message}`),
  });
  snowpipe.attach(s3Server);
  // This process holds the warehouse's write lock, so no other local run uses this data directory:
  // a lease left here is an interrupted run's (Ctrl-C), and would otherwise block the next six hours.
  const leftovers = new RunLeases(client, localBuckets.raw, logger);
  for (const key of await leftovers.releaseWhere(() => true))
    print(`A previous run was interrupted: its lease ${key} is released`);

  const extracts: ExtractResult[] = [];
  const validations: ValidateResult[] = [];
  let counts: ReconcileResult | undefined;
  let notice: RunNotice | undefined;
  let quality: QualityVerdict | undefined;
  let committed: CommittedCursor[] = [];
  let deadLetterFile: string | undefined;
  const shown = new Set<string>();
  const heading = (line: string) => {
    if (!shown.has(line)) print(line);
    shown.add(line);
  };
  const notify = async (input: RunNoticeInput) => {
    notice = buildRunNotice(input, new Date());
    heading('Notify (the alerts topic in AWS)');
    print(`  ${notice.subject}`);
    return { outcome: notice.outcome };
  };
  const handlers: Record<string, TaskHandler> = {
    [STATE.plan]: (async (event: Parameters<typeof plan>[0]) => {
      const planned = await plan(event);
      print(
        `Plan: ${planned.resources.length} resources, logical date ${planned.logicalDate}, batch ${planned.batchId}`,
      );
      return planned;
    }) as TaskHandler,
    [STATE.extract]: (async (event: Parameters<typeof extract>[0]) => {
      heading('Extract (API → s3://raw)');
      const began = Date.now();
      let result: ExtractResult;
      try {
        result = await extract(event);
      } catch (error) {
        // Said where it happened, as it happens; the state machine then retries or fails the run.
        const { source, resource } = event as { source: string; resource: string };
        print(
          `  ✗ ${`${source}/${resource}`.padEnd(32)} ${(error as Error).name}: ${(error as Error).message}`,
        );
        throw error;
      }
      extracts.push(result);
      const name = `${result.source}/${result.resource}`;
      if (!result.done) {
        print(
          `  … ${name}: ${plural(result.pages, 'page')}, ${plural(result.records, 'record')} so far, continuing`,
        );
      } else {
        const retries = result.retries ? `, ${result.retries} retries` : '';
        const cursor = result.pendingCursor !== undefined ? `, cursor → ${result.pendingCursor}` : '';
        print(
          `  ✓ ${name.padEnd(32)} ${plural(result.pages, 'page').padStart(10)} ${plural(result.records, 'record').padStart(15)}  ${((Date.now() - began) / 1000).toFixed(1)} s${retries}${cursor}`,
        );
      }
      return result;
    }) as TaskHandler,
    [STATE.validate]: (async (event: Parameters<typeof validate>[0]) => {
      heading('Validate (s3://raw → Parquet in s3://transformed, rejects in s3://failed)');
      const result = await validate(event);
      validations.push(result);
      const tables = Object.entries(result.tables)
        .map(([table, written]) => `${table} ${written.rows.toLocaleString('en')}`)
        .join(', ');
      const rejected = result.rejectedRecords + result.quarantinedPages;
      print(
        `  ${rejected ? '!' : '✓'} ${`${result.source}/${result.resource}`.padEnd(32)} ${plural(result.inputRecords, 'record').padStart(15)} → ${tables}${rejected ? `; ${rejected} rejected → s3://failed/${result.rejectKeys[0]}` : ''}`,
      );
      return result;
    }) as TaskHandler,
    [STATE.reconcile]: (async (event: Parameters<typeof reconcile>[0]) => {
      counts = await reconcile(event);
      for (const warning of counts.resources.flatMap((resource) => resource.warnings))
        print(`  ! ${warning}`);
      print(
        `Reconcile: ${counts.totals.extracted.toLocaleString('en')} extracted = ${counts.totals.valid.toLocaleString('en')} valid + ${counts.totals.rejected.toLocaleString('en')} rejected ✓`,
      );
      return counts;
    }) as TaskHandler,
    // After the load, as in AWS: here the local Snowpipe and the models, then the checks on DuckDB.
    [STATE.quality]: (async (event: { batchId: string }) => {
      heading('Quality (checks on CLEAN, in DuckDB)');
      await snowpipe.refresh();
      // As in AWS, where the load check fails the run on a file of its batch Snowflake refused; other
      // files' failures (another run's, the stream's) were reported and do not stop this run.
      const ownFailures = snowpipe.failuresWhere((key) => key.includes(`/batch=${event.batchId}/`));
      if (ownFailures.length)
        throw failedLoadsError(ownFailures.map((failure) => ({ file: failure.key, error: failure.error })));
      await warehouse.buildClean();
      await warehouse.buildAnalytics();
      quality = await runChecks(
        warehouse.executor(),
        loadChecks(options.checksDirectory ?? checksDirectory),
        duckdbDialect,
        event.batchId,
      );
      const counts = (status: string) => quality!.results.filter((result) => result.status === status).length;
      print(
        `  ${quality.results.length} checks: ${counts('pass')} passed, ${counts('warn')} warned, ${counts('fail')} failed`,
      );
      for (const result of quality.results.filter((result) => result.status !== 'pass'))
        print(
          `  ${result.status === 'fail' ? '✗' : '!'} ${result.table}: ${result.check} = ${result.metric} (expected ${result.threshold})${result.failingKeys ? ` [${result.failingKeys}]` : ''}`,
        );
      return qualityGate(quality);
    }) as TaskHandler,
    [STATE.notifySuccess]: notify as TaskHandler,
    [STATE.notifyFailure]: notify as TaskHandler,
    [STATE.commitState]: (async (event: Parameters<typeof commitState>[0]) => {
      const answer = await commitState(event);
      committed = answer.committed;
      if (committed.length)
        print(
          `Commit state: ${committed.map((cursor) => `${cursor.source}/${cursor.resource} → ${cursor.cursor}`).join(', ')}`,
        );
      return answer;
    }) as TaskHandler,
    [STATE.acquireLease]: runLease as TaskHandler,
    [STATE.releaseLease]: runLease as TaskHandler,
    [STATE.releaseAfterFailure]: runLease as TaskHandler,
    // The run dead-letter queue, locally: a file per failed run.
    [STATE.sendToDlq]: (async (message: { QueueUrl: string; MessageBody: unknown }) => {
      const directory = join(options.dataDirectory, 'dead-letter');
      mkdirSync(directory, { recursive: true });
      deadLetterFile = join(directory, `${options.batchId}.json`);
      writeFileSync(deadLetterFile, `${JSON.stringify(message.MessageBody, null, 2)}\n`);
      print(`Dead-letter message: ${deadLetterFile}`);
      return { MessageId: options.batchId };
    }) as TaskHandler,
  };

  let status: LocalRunSummary['status'];
  let error: LocalRunSummary['error'];
  try {
    configureEnvironment(api.baseUrls, s3Server.endpoint);
    // The handlers read their environment once per container, as in Lambda: start fresh containers.
    resetExtract();
    resetValidate();
    resetCommit();
    resetLease();
    const outcome = await runExecution(definition, {
      name: options.batchId,
      input: {
        logicalDate: options.logicalDate,
        ...(options.sources?.length ? { sources: options.sources } : {}),
        ...(options.resources?.length ? { resources: options.resources } : {}),
      },
      handlers,
    });
    status = outcome.status;
    if (outcome.status === 'FAILED') error = { name: outcome.error, cause: outcome.cause };

    // The quality step loaded and modelled already; a run that failed before it has not.
    if (!quality) {
      print('Load (local Snowpipe: s3://transformed → DuckDB RAW) and models (CLEAN, ANALYTICS)');
      await snowpipe.refresh();
      await warehouse.buildClean();
      await warehouse.buildAnalytics();
    }
    const totals = counts?.totals;
    await warehouse.recordRun({
      batchId: options.batchId,
      logicalDate: options.logicalDate,
      status:
        status === 'FAILED'
          ? 'FAILED'
          : (notice?.outcome ?? 'SUCCEEDED') === 'PARTIAL'
            ? 'PARTIAL'
            : 'SUCCEEDED',
      startedAt: new Date(started),
      finishedAt: new Date(),
      resources: counts?.resources.length ?? 0,
      extracted: totals?.extracted ?? 0,
      valid: totals?.valid ?? 0,
      rejected: totals?.rejected ?? 0,
      error: error ? `${error.name}: ${error.cause}` : undefined,
    });
    const loadedRows = snowpipe.loaded.reduce((sum, file) => sum + file.rows, 0);
    print(
      `Loaded ${plural(snowpipe.loaded.length, 'file')} (${plural(loadedRows, 'row')}) into the warehouse${snowpipe.failed.size ? `; ${plural(snowpipe.failed.size, 'file')} could not load (above)` : ''}`,
    );
    return {
      status,
      batchId: options.batchId,
      logicalDate: options.logicalDate,
      extracts,
      validations,
      counts,
      notice,
      quality,
      committed,
      error,
      deadLetterFile,
      loadedFiles: snowpipe.loaded,
      loadFailures: snowpipe.failuresWhere(() => true),
      layers: {
        raw: await warehouse.tableCounts('raw'),
        clean: await warehouse.tableCounts('clean'),
        analytics: await warehouse.tableCounts('analytics'),
      },
      rawObjectCount: await countObjects(client, localBuckets.raw),
      s3Directory,
      warehousePath,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    client.destroy();
    warehouse.close();
    await s3Server.stop();
    await api.close();
  }
}

const plural = (count: number, noun: string) =>
  `${count.toLocaleString('en')} ${noun}${count === 1 ? '' : 's'}`;

/** Base URLs this process pointed at a fixture API, so a later run may replace them with its own. */
const fixtureBaseUrls = new Set<string>();

function configureEnvironment(baseUrls: Record<string, string>, s3Endpoint: string): void {
  process.env.AWS_ENDPOINT_URL_S3 = s3Endpoint;
  process.env.RAW_BUCKET = localBuckets.raw;
  process.env.STATE_BUCKET = localBuckets.raw;
  process.env.TRANSFORMED_BUCKET = localBuckets.transformed;
  process.env.FAILED_BUCKET = localBuckets.failed;
  // Locally every built-in source is enabled; --source narrows the run through its input, as in AWS.
  process.env.PIPELINE_SOURCES = builtInSources.map((source) => source.name).join(',');
  for (const [source, url] of Object.entries(baseUrls)) {
    // A user who points a source at the real API keeps their own setting.
    const variable = baseUrlOverrideVariable(source);
    const current = process.env[variable];
    if (current === undefined || fixtureBaseUrls.has(current)) {
      process.env[variable] = url;
      fixtureBaseUrls.add(url);
    }
  }
  for (const [name, value] of Object.entries(fixtureCredentials)) process.env[name] ??= value;
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
