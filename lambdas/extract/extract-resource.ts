import type { S3Client } from '@aws-sdk/client-s3';
import type { SecretResolver } from '../shared/secrets';
import type { PipelineLogger } from '../shared/logger';
import type { StateStore } from '../shared/state-store';
import type { ResourceConfig, SourceConfig } from '../sources/source-config';
import type { PageState } from '../shared/step-messages';
import { ConfigError } from '../shared/errors';
import { manifestKey, rawPageKey, BatchCoordinates } from '../shared/keys';
import { planPageGroups } from '../shared/page-groups';
import type { Continuation, ExtractResult, PausedPartition } from '../shared/step-messages';
import { createSourceClient } from './http/create-source-client';
import { parentValues } from './parent-values';
import { cursorOf, CursorValue, incrementalStart, laterCursor } from '../sources/incremental';
import { Partition, resolvePartitions } from './partitions';
import { FETCHED_AT_METADATA, Manifest, ManifestPage, RawLanding } from '../raw-zone/raw-landing';
import { FetchedPage, ResourcePageReader, WalkOutcome } from './resource-pages';
import { effectiveResource } from '../sources/source-config';

export interface ExtractDeps {
  s3: S3Client;
  rawBucket: string;
  stateStore: StateStore;
  secrets: SecretResolver;
  logger: PipelineLogger;
  fetchImpl?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
}

export interface ExtractRequest {
  source: SourceConfig;
  resource: string;
  batchId: string;
  logicalDate: string;
  continuation?: Continuation;
  /** Epoch ms after which no new page is started and a continuation is returned instead. */
  deadline?: number;
  /** Bounds the pages (and so the page keys returned) of one invocation. */
  maxPagesPerInvocation?: number;
}

/**
 * Extracts one resource of one source for one batch: every partition, every page, landed in raw exactly
 * as received, with a manifest. Stops at the deadline with a continuation rather than being killed.
 */
export async function extractResource(deps: ExtractDeps, request: ExtractRequest): Promise<ExtractResult> {
  const now = deps.now ?? Date.now;
  const startedAt = now();
  const { source } = request;
  const resource = findResource(source, request.resource);
  const batch: BatchCoordinates = {
    source: source.name,
    resource: resource.name,
    logicalDate: request.logicalDate,
    batchId: request.batchId,
  };
  const landing = new RawLanding(deps.s3, deps.rawBucket);
  const thisManifestKey = manifestKey(batch);

  const manifest = await startingManifest(deps, request, resource, landing, thisManifestKey);
  const { startCursor, stateEtag } = request.continuation ?? (await readStartCursor(deps, source, resource));
  manifest.startCursor = startCursor;

  const client = createSourceClient(source, deps);
  const reader = new ResourcePageReader(source, resource, client, startCursor);
  const partitions = await resolvePartitions(resource.partitions, {
    startCursor,
    currentYear: new Date(now()).getUTCFullYear(),
    parentValues: (parent, field) => parentValues(deps, source, batch, parent, field, client, landing),
  });

  const pageKeys: string[] = [];
  let retries = 0;
  let pagesThisInvocation = 0;
  const shouldPause = () =>
    (request.deadline !== undefined && now() >= request.deadline) ||
    (request.maxPagesPerInvocation !== undefined && pagesThisInvocation >= request.maxPagesPerInvocation);

  const onPage = async (page: FetchedPage) => {
    const key = rawPageKey(batch, page.pageNumber, page.partition.label);
    pagesThisInvocation += 1;
    retries += page.http.attempts - 1;
    const records = page.records?.length ?? null;
    const entry: ManifestPage = {
      key,
      ...(page.partition.label ? { partition: page.partition.label } : {}),
      page: page.pageNumber,
      records,
      bytes: page.http.body.length,
      url: page.http.safeUrl,
      status: page.http.status,
      ...(page.problem ? { problem: page.problem } : {}),
    };
    await landing.landPage(key, page.http.body, {
      source: source.name,
      resource: resource.name,
      page: String(page.pageNumber),
      ...(page.partition.label ? { partition: page.partition.label } : {}),
      'request-url': page.http.safeUrl,
      status: String(page.http.status),
      [FETCHED_AT_METADATA]: new Date(now()).toISOString(),
      'record-count': records === null ? 'unknown' : String(records),
      // Kept for forensics only: validate and the warehouse never read an unreadable page as records.
      ...(page.problem ? { readable: 'false' } : {}),
    });
    manifest.pages.push(entry);
    pageKeys.push(key);
    if (resource.incremental && page.records) {
      for (const record of page.records) {
        manifest.pendingCursor = laterCursor(
          resource.incremental,
          manifest.pendingCursor,
          cursorOf(resource.incremental, record),
        );
      }
    }
    if (page.problem)
      deps.logger.error('unreadable page landed for forensics; the resource fails', {
        key,
        problem: page.problem,
      });
    deps.logger.debug('page landed', {
      key,
      page: page.pageNumber,
      records,
      status: page.http.status,
      attempts: page.http.attempts,
      durationMs: page.http.durationMs,
    });
  };

  // Paused partitions resume first, then untouched ones, at most `concurrency` at a time.
  const queue: Array<{ partition: Partition; start: { state?: PageState; nextPage?: number } }> = [
    ...(request.continuation?.paused ?? []).map((paused) => ({
      partition: partitionAt(partitions, paused.partition),
      start: { state: paused.state, nextPage: paused.nextPage },
    })),
    ...partitions
      .slice(request.continuation?.nextPartition ?? 0)
      .map((partition) => ({ partition, start: {} })),
  ];
  const totalQueued = queue.length;
  const paused: PausedPartition[] = [];
  let nextPartition = request.continuation?.nextPartition ?? 0;
  const worker = async () => {
    for (let job = queue.shift(); job; job = queue.shift()) {
      if (shouldPause()) {
        queue.unshift(job);
        return;
      }
      if (!job.start.state) nextPartition = Math.max(nextPartition, job.partition.index + 1);
      const outcome: WalkOutcome = await reader.walk(job.partition, job.start, onPage, shouldPause);
      if (!outcome.done)
        paused.push({ partition: job.partition.index, state: outcome.state, nextPage: outcome.nextPage });
    }
  };
  const workers = Math.min(source.rateLimit.concurrency, Math.max(totalQueued, 1));
  try {
    await Promise.all(Array.from({ length: workers }, worker));
    await landing.flush();
  } catch (error) {
    // The pages landed so far, the unreadable one included, stay listed for whoever investigates;
    // the manifest stays incomplete, so validate refuses it and the resource's cursor stays put.
    await landing.flush().catch(() => undefined);
    manifest.complete = false;
    manifest.failure = (error as Error).message;
    manifest.pages.sort(byKey);
    await landing.writeManifest(thisManifestKey, manifest).catch((writeError: unknown) => {
      deps.logger.warn('could not write the failed manifest', { error: (writeError as Error).message });
    });
    throw error;
  }
  // Jobs never started (paused before their turn) go back as untouched partitions or paused ones.
  for (const job of queue) {
    if (job.start.state)
      paused.push({
        partition: job.partition.index,
        state: job.start.state,
        nextPage: job.start.nextPage ?? 1,
      });
    else nextPartition = Math.min(nextPartition, job.partition.index);
  }

  const done = paused.length === 0 && nextPartition >= partitions.length;
  manifest.pages.sort(byKey);
  manifest.records = manifest.pages.reduce((sum, page) => sum + (page.records ?? 0), 0);
  manifest.complete = done;
  await landing.writeManifest(thisManifestKey, manifest);

  const result: ExtractResult = {
    source: source.name,
    resource: resource.name,
    batchId: request.batchId,
    logicalDate: request.logicalDate,
    done,
    ...(done
      ? {}
      : {
          continuation: {
            nextPartition,
            paused: paused.sort((a, b) => a.partition - b.partition),
            startCursor,
            stateEtag,
          },
        }),
    manifestKey: thisManifestKey,
    pageKeys,
    pages: manifest.pages.length,
    unreadablePages: manifest.pages.filter((page) => page.records === null).length,
    records: manifest.records,
    startCursor,
    pendingCursor: manifest.pendingCursor ?? startCursor,
    stateEtag,
    ...(done ? { pageGroups: planPageGroups(manifest.pages) } : {}),
    retries,
    durationMs: now() - startedAt,
  };
  deps.logger.info(done ? 'resource extracted' : 'resource paused, continuation returned', {
    pagesThisInvocation,
    pages: result.pages,
    records: result.records,
    retries,
    durationMs: result.durationMs,
    pendingCursor: result.pendingCursor,
  });
  return result;
}

const byKey = (a: ManifestPage, b: ManifestPage) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

function findResource(source: SourceConfig, name: string): ResourceConfig {
  const resource = source.resources.find((candidate) => candidate.name === name);
  if (!resource) {
    throw new ConfigError(
      `source ${source.name} has no resource "${name}"`,
      { source: source.name },
      `use one of: ${source.resources.map((candidate) => candidate.name).join(', ')}`,
    );
  }
  return resource;
}

function partitionAt(partitions: Partition[], index: number): Partition {
  const partition = partitions[index];
  if (!partition) {
    throw new ConfigError(
      `the continuation names partition ${index}, but the resource now has ${partitions.length}`,
      {},
      'the partitions changed between invocations; re-run the batch from the start',
    );
  }
  return partition;
}

async function startingManifest(
  deps: ExtractDeps,
  request: ExtractRequest,
  resource: ResourceConfig,
  landing: RawLanding,
  key: string,
): Promise<Manifest> {
  if (request.continuation) {
    const previous = await landing.readManifest(key);
    if (previous) return previous;
    deps.logger.warn('continuation without a manifest; starting a new one', { key });
  }
  return {
    source: request.source.name,
    resource: resource.name,
    logicalDate: request.logicalDate,
    batchId: request.batchId,
    complete: false,
    recordsPath: effectiveResource(request.source, resource).recordsPath,
    primaryKey: resource.primaryKey,
    pages: [],
    records: 0,
  };
}

async function readStartCursor(
  deps: ExtractDeps,
  source: SourceConfig,
  resource: ResourceConfig,
): Promise<{ startCursor?: CursorValue; stateEtag?: string }> {
  if (!resource.incremental) return {};
  const stored = await deps.stateStore.read(source.name, resource.name);
  return {
    startCursor: incrementalStart(resource.incremental, stored?.state.cursor),
    ...(stored ? { stateEtag: stored.etag } : {}),
  };
}
