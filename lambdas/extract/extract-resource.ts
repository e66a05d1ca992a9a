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
import {
  BackfillWindow,
  canBackfill,
  cursorOf,
  CursorValue,
  dayWindow,
  incrementalStart,
  laterCursor,
} from '../sources/incremental';
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
  /** A backfill: fetch the logical date's window, not from the committed cursor, and move no cursor. */
  backfill?: boolean;
}

/**
 * Extracts one resource of one source for one batch: every partition, every page, landed in raw exactly
 * as received, with a manifest. Stops at the deadline with a continuation rather than being killed.
 */
export async function extractResource(deps: ExtractDeps, request: ExtractRequest): Promise<ExtractResult> {
  const extraction = await ResourceExtraction.start(deps, request);
  try {
    await extraction.walkPartitions();
  } catch (error) {
    await extraction.keepFailedManifest(error as Error);
    throw error;
  }
  return extraction.finish();
}

/** A partition to walk: from its first page, or from where an earlier invocation paused it. */
type PartitionJob = { partition: Partition; start: { state?: PageState; nextPage?: number } };

/** What an extraction starts from, read before its first request. */
interface ExtractionParts {
  startedAt: number;
  resource: ResourceConfig;
  batch: BatchCoordinates;
  manifest: Manifest;
  start: { startCursor?: CursorValue; stateEtag?: string };
  reader: ResourcePageReader;
  partitions: Partition[];
  landing: RawLanding;
}

/** One invocation's extraction of a resource: what it landed so far, and where it stopped. */
class ResourceExtraction {
  private readonly now: () => number;
  private readonly startedAt: number;
  private readonly resource: ResourceConfig;
  private readonly batch: BatchCoordinates;
  private readonly manifest: Manifest;
  private readonly start: { startCursor?: CursorValue; stateEtag?: string };
  private readonly reader: ResourcePageReader;
  private readonly partitions: Partition[];
  private readonly landing: RawLanding;
  private readonly pageKeys: string[] = [];
  private readonly paused: PausedPartition[] = [];
  private retries = 0;
  private pagesThisInvocation = 0;
  private nextPartition: number;
  /** Partitions not yet started by this invocation: paused ones resume first, then untouched ones. */
  private readonly queue: PartitionJob[];

  private constructor(
    private readonly deps: ExtractDeps,
    private readonly request: ExtractRequest,
    parts: ExtractionParts,
  ) {
    this.now = deps.now ?? Date.now;
    this.startedAt = parts.startedAt;
    this.resource = parts.resource;
    this.batch = parts.batch;
    this.manifest = parts.manifest;
    this.start = parts.start;
    this.reader = parts.reader;
    this.partitions = parts.partitions;
    this.landing = parts.landing;
    this.nextPartition = request.continuation?.nextPartition ?? 0;
    this.queue = [
      ...(request.continuation?.paused ?? []).map((paused) => ({
        partition: partitionAt(this.partitions, paused.partition),
        start: { state: paused.state, nextPage: paused.nextPage },
      })),
      ...this.partitions.slice(this.nextPartition).map((partition) => ({ partition, start: {} })),
    ];
  }

  /** Reads the manifest so far (on a continuation) and the committed cursor, and lists the partitions. */
  static async start(deps: ExtractDeps, request: ExtractRequest): Promise<ResourceExtraction> {
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
    const manifest = await startingManifest(deps, request, resource, landing, manifestKey(batch));
    const window = request.backfill ? backfillWindow(source, resource, request.logicalDate) : undefined;
    const start =
      request.continuation ??
      (window ? { startCursor: window.from } : await readStartCursor(deps, source, resource));
    manifest.startCursor = start.startCursor;
    const client = createSourceClient(source, deps);
    const reader = new ResourcePageReader(source, resource, client, start.startCursor, window);
    const partitions = await resolvePartitions(resource.partitions, {
      startCursor: start.startCursor,
      currentYear: new Date(now()).getUTCFullYear(),
      parentValues: (parent, field) => parentValues(deps, source, batch, parent, field, client, landing),
    });
    return new ResourceExtraction(deps, request, {
      startedAt,
      resource,
      batch,
      manifest,
      start: { startCursor: start.startCursor, stateEtag: start.stateEtag },
      reader,
      partitions,
      landing,
    });
  }

  /** Walks the queued partitions, at most `concurrency` at a time, until done or told to pause. */
  async walkPartitions(): Promise<void> {
    const worker = async () => {
      for (let job = this.queue.shift(); job; job = this.queue.shift()) {
        if (this.shouldPause()) {
          this.queue.unshift(job);
          return;
        }
        if (!job.start.state) this.nextPartition = Math.max(this.nextPartition, job.partition.index + 1);
        const outcome: WalkOutcome = await this.reader.walk(
          job.partition,
          job.start,
          (page) => this.landPage(page),
          () => this.shouldPause(),
        );
        if (!outcome.done)
          this.paused.push({
            partition: job.partition.index,
            state: outcome.state,
            nextPage: outcome.nextPage,
          });
      }
    };
    const workers = Math.min(this.request.source.rateLimit.concurrency, Math.max(this.queue.length, 1));
    await Promise.all(Array.from({ length: workers }, worker));
    await this.landing.flush();
  }

  private shouldPause(): boolean {
    const { deadline, maxPagesPerInvocation } = this.request;
    return (
      (deadline !== undefined && this.now() >= deadline) ||
      (maxPagesPerInvocation !== undefined && this.pagesThisInvocation >= maxPagesPerInvocation)
    );
  }

  /** One page into raw, exactly as received, listed in the manifest; the pending cursor follows its records. */
  private async landPage(page: FetchedPage): Promise<void> {
    const { source } = this.request;
    const key = rawPageKey(this.batch, page.pageNumber, page.partition.label, source.format);
    this.pagesThisInvocation += 1;
    this.retries += page.http.attempts - 1;
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
    await this.landing.landPage(key, page.http.body, {
      source: source.name,
      resource: this.resource.name,
      page: String(page.pageNumber),
      ...(page.partition.label ? { partition: page.partition.label } : {}),
      'request-url': page.http.safeUrl,
      status: String(page.http.status),
      [FETCHED_AT_METADATA]: new Date(this.now()).toISOString(),
      'record-count': records === null ? 'unknown' : String(records),
      // Kept for forensics only: validate and the warehouse never read an unreadable page as records.
      ...(page.problem ? { readable: 'false' } : {}),
    });
    this.manifest.pages.push(entry);
    this.pageKeys.push(key);
    const { incremental } = this.resource;
    if (incremental && page.records)
      for (const record of page.records)
        this.manifest.pendingCursor = laterCursor(
          incremental,
          this.manifest.pendingCursor,
          cursorOf(incremental, record),
        );
    if (page.problem)
      this.deps.logger.error('unreadable page landed for forensics; the resource fails', {
        key,
        problem: page.problem,
      });
    this.deps.logger.debug('page landed', {
      key,
      page: page.pageNumber,
      records,
      status: page.http.status,
      attempts: page.http.attempts,
      durationMs: page.http.durationMs,
    });
  }

  /**
   * The pages landed so far, the unreadable one included, stay listed for whoever investigates; the
   * manifest stays incomplete, so validate refuses it and the resource's cursor stays put.
   */
  async keepFailedManifest(error: Error): Promise<void> {
    await this.landing.flush().catch(() => undefined);
    this.manifest.complete = false;
    this.manifest.failure = error.message;
    this.manifest.pages.sort(byKey);
    await this.landing.writeManifest(manifestKey(this.batch), this.manifest).catch((writeError: unknown) => {
      this.deps.logger.warn('could not write the failed manifest', { error: (writeError as Error).message });
    });
  }

  /** Writes the manifest (complete when nothing is left) and says what landed, or where to go on. */
  async finish(): Promise<ExtractResult> {
    const { manifest, request, start } = this;
    // Jobs never started (paused before their turn) go back as untouched partitions or paused ones.
    for (const job of this.queue) {
      if (job.start.state)
        this.paused.push({
          partition: job.partition.index,
          state: job.start.state,
          nextPage: job.start.nextPage ?? 1,
        });
      else this.nextPartition = Math.min(this.nextPartition, job.partition.index);
    }
    const done = this.paused.length === 0 && this.nextPartition >= this.partitions.length;
    manifest.pages.sort(byKey);
    manifest.records = manifest.pages.reduce((sum, page) => sum + (page.records ?? 0), 0);
    manifest.complete = done;
    await this.landing.writeManifest(manifestKey(this.batch), manifest);

    const result: ExtractResult = {
      source: request.source.name,
      resource: this.resource.name,
      batchId: request.batchId,
      logicalDate: request.logicalDate,
      done,
      ...(done
        ? {}
        : {
            continuation: {
              nextPartition: this.nextPartition,
              paused: this.paused.sort((a, b) => a.partition - b.partition),
              startCursor: start.startCursor,
              stateEtag: start.stateEtag,
            },
          }),
      manifestKey: manifestKey(this.batch),
      pageKeys: this.pageKeys,
      pages: manifest.pages.length,
      unreadablePages: manifest.pages.filter((page) => page.records === null).length,
      records: manifest.records,
      startCursor: start.startCursor,
      // A backfill fetched a past day: the committed cursor stays where the daily runs left it.
      ...(request.backfill ? {} : { pendingCursor: manifest.pendingCursor ?? start.startCursor }),
      stateEtag: start.stateEtag,
      ...(done ? { pageGroups: planPageGroups(manifest.pages) } : {}),
      retries: this.retries,
      durationMs: this.now() - this.startedAt,
    };
    this.deps.logger.info(done ? 'resource extracted' : 'resource paused, continuation returned', {
      pagesThisInvocation: this.pagesThisInvocation,
      pages: result.pages,
      records: result.records,
      retries: this.retries,
      durationMs: result.durationMs,
      pendingCursor: result.pendingCursor,
    });
    return result;
  }
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
    ...(request.source.format === 'xml' ? { format: 'xml' as const } : {}),
    primaryKey: resource.primaryKey,
    pages: [],
    records: 0,
  };
}

/** The window a backfill fetches, for a resource that can fetch one (else what to do instead). */
function backfillWindow(source: SourceConfig, resource: ResourceConfig, logicalDate: string): BackfillWindow {
  if (!canBackfill(resource))
    throw new ConfigError(
      `${source.name}/${resource.name} cannot fetch a past day: its API is not filtered by a timestamp at both ends`,
      {},
      'backfill only resources with incremental.param and incremental.endParam (docs/sources.md, "Backfill")',
    );
  return dayWindow(logicalDate);
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
