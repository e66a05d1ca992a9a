import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '../lambdas/shared/s3-client';
import { startFixtureApi, fixtureCredentials, FaultRule } from './fixture-api/server';
import { startLocalS3 } from './local-s3';
import { baseUrlOverrideVariable, loadSources } from '../lambdas/extract/sources';
import { handler, resetContainer } from '../lambdas/extract/handler';
import { handler as validate, resetContainer as resetValidateContainer } from '../lambdas/validate/handler';
import type { ValidateResult } from '../lambdas/validate/validate-resource';
import type { ExtractResult } from '../lambdas/extract/extract-resource';
import type { SourceConfig } from '../lambdas/extract/source-config';
import { commitCursors, CommittedCursor } from '../lambdas/commit-state/commit-cursors';
import { StateStore } from '../lambdas/shared/state-store';

export const localBuckets = { raw: 'raw', transformed: 'transformed', failed: 'failed' } as const;

export interface LocalRunOptions {
  dataDirectory: string;
  sources?: string[];
  resources?: string[];
  logicalDate: string;
  batchId: string;
  faults?: FaultRule[];
  fresh?: boolean;
  /** Progress lines go here (stdout in the CLI, nowhere in tests). */
  print?: (line: string) => void;
}

export interface LocalRunSummary {
  results: ExtractResult[];
  validations: ValidateResult[];
  /** Cursors moved by this run; none when it failed (state advances last). */
  committed: CommittedCursor[];
  rawObjectCount: number;
  s3Directory: string;
}

/**
 * Runs the pipeline as far as it is built, locally: the real extract handler on the chosen built-in
 * sources (continuations included) from the fixture API into a local S3 endpoint, then the real
 * validate handler on every extracted resource, then the cursor commit — and reports what landed.
 */
export async function runLocalPipeline(options: LocalRunOptions): Promise<LocalRunSummary> {
  const print = options.print ?? (() => undefined);
  const s3Directory = join(options.dataDirectory, 's3');
  if (options.fresh) rmSync(s3Directory, { recursive: true, force: true });
  mkdirSync(s3Directory, { recursive: true });

  const api = await startFixtureApi();
  const s3 = await startLocalS3({ directory: s3Directory, buckets: Object.values(localBuckets) });
  for (const fault of options.faults ?? []) api.faults.add(fault);
  try {
    configureEnvironment(api.baseUrls, s3.endpoint);
    // The handlers read their environment once per container, as in Lambda: start fresh containers.
    resetContainer();
    resetValidateContainer();
    print('Extract (API → s3://raw)');
    const results: ExtractResult[] = [];
    for (const source of selectSources(options)) {
      for (const resource of selectResources(source, options.resources)) {
        const started = Date.now();
        let result = await handler({
          source: source.name,
          resource: resource.name,
          batchId: options.batchId,
          logicalDate: options.logicalDate,
        });
        while (!result.done) {
          print(
            `  ${source.name}/${resource.name}: ${result.pages} pages, ${result.records} records so far…`,
          );
          result = await handler({
            source: source.name,
            resource: resource.name,
            batchId: options.batchId,
            logicalDate: options.logicalDate,
            continuation: result.continuation,
          });
        }
        results.push(result);
        const seconds = ((Date.now() - started) / 1000).toFixed(1);
        const retries = result.retries ? `, ${result.retries} retries` : '';
        const cursor = result.pendingCursor !== undefined ? `, cursor → ${result.pendingCursor}` : '';
        print(
          `  ✓ ${`${source.name}/${resource.name}`.padEnd(32)} ${plural(result.pages, 'page').padStart(10)} ${plural(result.records, 'record').padStart(15)}  ${seconds} s${retries}${cursor}`,
        );
      }
    }
    const client = createS3Client({ AWS_ENDPOINT_URL_S3: s3.endpoint });
    print('Validate (s3://raw → Parquet in s3://transformed, rejects in s3://failed)');
    const validations: ValidateResult[] = [];
    for (const result of results) {
      const validation = await validate({
        source: result.source,
        resource: result.resource,
        batchId: result.batchId,
        logicalDate: result.logicalDate,
      });
      validations.push(validation);
      const tables = Object.entries(validation.tables)
        .map(([table, written]) => `${table} ${written.rows.toLocaleString('en')}`)
        .join(', ');
      const rejected = validation.rejectedRecords + validation.quarantinedPages;
      print(
        `  ${rejected ? '!' : '✓'} ${`${result.source}/${result.resource}`.padEnd(32)} ${plural(validation.inputRecords, 'record').padStart(15)} → ${tables}${rejected ? `; ${rejected} rejected → s3://failed/${validation.rejectKeys[0]}` : ''}`,
      );
    }
    // Every step succeeded: only now do the incremental cursors move (state advances last).
    const committed = await commitCursors(new StateStore(client, localBuckets.raw), results);
    const rawObjectCount = await countObjects(client, localBuckets.raw);
    return { results, validations, committed, rawObjectCount, s3Directory };
  } finally {
    await s3.stop();
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

function selectSources(options: LocalRunOptions): SourceConfig[] {
  const all = [...loadSources().values()];
  if (!options.sources?.length) return all;
  const unknown = options.sources.filter((name) => !all.some((source) => source.name === name));
  if (unknown.length) {
    throw new Error(
      `unknown source ${unknown.join(', ')}; the sources are ${all.map((source) => source.name).join(', ')}`,
    );
  }
  return all.filter((source) => options.sources!.includes(source.name));
}

/** Enabled resources (or the named ones), parents before the children that read them. */
function selectResources(source: SourceConfig, names: string[] | undefined) {
  const chosen = source.resources.filter((resource) =>
    names?.length ? names.includes(resource.name) : resource.enabled,
  );
  return chosen.sort(
    (a, b) =>
      Number(Boolean(a.partitions?.type === 'parent')) - Number(Boolean(b.partitions?.type === 'parent')),
  );
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
