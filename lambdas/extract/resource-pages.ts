import type { ResourceConfig, SourceConfig } from './source-config';
import type { HttpResult, SourceHttpClient } from './http/source-http-client';
import type { CursorValue } from './incremental';
import { effectiveResource } from './source-config';
import { formatStartParam } from './incremental';
import { readPath } from '../shared/json-path';
import { createPaginator, PageState, Paginator, PaginationLoop } from './paginators';
import { expandPath, Partition } from './partitions';
import { ErrorContext, PaginationError, ResponseFormatError } from '../shared/errors';

/** One page as fetched: the bytes as received and, when the body has the configured shape, its records. */
export interface FetchedPage {
  partition: Partition;
  /** 1-based position within the partition. */
  pageNumber: number;
  http: HttpResult;
  /** The parsed body, when it is JSON. */
  document?: unknown;
  records?: unknown[];
  /** Why the body has no records array (not JSON, or no array at the records path). */
  problem?: string;
}

/** Where a partition's walk stopped: finished, or paused before `nextPage` (to resume in a continuation). */
export type WalkOutcome = { done: true } | { done: false; state: PageState; nextPage: number };

export interface WalkStart {
  state?: PageState;
  nextPage?: number;
}

/**
 * Walks the pages of one resource partition: builds each URL (path placeholders, static params, the
 * incremental start value, the paginator's parameters), fetches it through the source's client, finds
 * the records, and asks the paginator for the next page.
 */
export class ResourcePageReader {
  private readonly recordsPath: string;
  private readonly paginatorConfig;

  constructor(
    private readonly source: SourceConfig,
    private readonly resource: ResourceConfig,
    private readonly client: SourceHttpClient,
    private readonly startCursor: CursorValue | undefined,
  ) {
    const effective = effectiveResource(source, resource);
    this.recordsPath = effective.recordsPath;
    this.paginatorConfig = effective.paginator;
  }

  async walk(
    partition: Partition,
    start: WalkStart,
    onPage: (page: FetchedPage) => Promise<void>,
    shouldPause: () => boolean,
  ): Promise<WalkOutcome> {
    const paginator = createPaginator(this.paginatorConfig);
    let state = start.state ?? paginator.first();
    let pageNumber = start.nextPage ?? 1;
    if (shouldPause()) return { done: false, state, nextPage: pageNumber };
    let request = this.fetch(partition, paginator, state);
    for (;;) {
      const { url, http } = await request;
      if (http.ignored) return { done: true };
      const page = this.interpret(partition, pageNumber, http);
      const context = {
        source: this.source.name,
        resource: this.resource.name,
        url: http.safeUrl,
        status: http.status,
      };
      const step = this.nextStep(paginator, state, page, url, context);

      // Landing starts (and counts the page) synchronously; the next request goes out while it runs,
      // so the API and the upload work in parallel instead of taking turns.
      const landed = onPage(page);
      const pausing = !step.done && shouldPause();
      if (!step.done && !pausing) request = this.fetch(partition, paginator, step.state);
      try {
        await landed;
      } catch (error) {
        request.catch(() => undefined); // the prefetched page is abandoned with the walk
        throw error;
      }
      if (step.error) throw step.error;
      if (step.done) return { done: true };
      state = step.state;
      pageNumber += 1;
      if (pausing) return { done: false, state, nextPage: pageNumber };
    }
  }

  private async fetch(
    partition: Partition,
    paginator: Paginator,
    state: PageState,
  ): Promise<{ url: URL; http: HttpResult }> {
    const url = this.urlFor(partition, paginator.request(state));
    return { url, http: await this.client.send({ url, resource: this.resource.name }) };
  }

  /** The page after this one; an error is returned, not thrown, so the page is landed before the walk fails. */
  private nextStep(
    paginator: Paginator,
    state: PageState,
    page: FetchedPage,
    url: URL,
    context: ErrorContext,
  ): { done: true; error?: Error } | { done: false; state: PageState; error?: undefined } {
    if (page.problem) {
      // Without records there is no telling where the next page is; stopping quietly would leave a gap.
      if (this.paginatorConfig.type === 'none') return { done: true };
      return {
        done: true,
        error: new ResponseFormatError(
          `page ${page.pageNumber} ${page.problem}, so the following pages cannot be found`,
          context,
          'the page is landed in raw as received; check recordsPath and paginator in the source config, or the API',
        ),
      };
    }
    try {
      return paginator.next(state, {
        document: page.document,
        headers: page.http.headers,
        recordCount: page.records!.length,
        requestUrl: url,
      });
    } catch (error) {
      if (!(error instanceof PaginationLoop)) throw error;
      return {
        done: true,
        error: new PaginationError(
          error.message,
          context,
          'the API is paging in a circle; report it to the API owner, raw pages so far are landed',
        ),
      };
    }
  }

  urlFor(partition: Partition, request: { query: Record<string, string>; url?: string }): URL {
    if (request.url) return new URL(request.url);
    const base = this.source.baseUrl.replace(/\/$/, '');
    const url = new URL(base + expandPath(this.resource.path, partition.values));
    for (const [name, value] of Object.entries(this.resource.params)) {
      url.searchParams.set(
        name,
        value.replace(/\{([^}]+)\}/g, (_m, key: string) => partition.values[key] ?? ''),
      );
    }
    const incremental = this.resource.incremental;
    if (incremental?.param && this.startCursor !== undefined) {
      url.searchParams.set(incremental.param, formatStartParam(incremental, this.startCursor));
    }
    for (const [name, value] of Object.entries(request.query)) url.searchParams.set(name, value);
    return url;
  }

  private interpret(partition: Partition, pageNumber: number, http: HttpResult): FetchedPage {
    let document: unknown;
    try {
      document = JSON.parse(http.body.toString('utf8'));
    } catch (error) {
      return { partition, pageNumber, http, problem: `is not valid JSON (${(error as Error).message})` };
    }
    const records = readPath(document, this.recordsPath);
    if (!Array.isArray(records)) {
      const where = this.recordsPath ? `at records path "${this.recordsPath}"` : 'at the top level';
      return { partition, pageNumber, http, document, problem: `has no array of records ${where}` };
    }
    return { partition, pageNumber, http, document, records };
  }
}
