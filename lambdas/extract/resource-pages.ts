import type { RequestBodyConfig, ResourceConfig, SourceConfig } from '../sources/source-config';
import { parseXmlBody, readXmlPage, soapFault, xmlEscape } from '../sources/xml-body';
import { HttpResult, parseJsonBody, SourceHttpClient } from './http/source-http-client';
import type { BodyVerdict } from '../shared/body-verdict';
import type { CursorValue } from '../sources/incremental';
import { effectiveResource } from '../sources/source-config';
import { BackfillWindow, formatEndParam, formatStartParam } from '../sources/incremental';
import { readPath } from '../shared/json-path';
import { createPaginator, Paginator, PaginationLoop } from './paginators';
import type { PageState } from '../shared/step-messages';
import { expandPath, Partition } from './partitions';
import { ErrorContext, PaginationError, ResponseFormatError } from '../shared/errors';

/** A page body read as the source config describes it: the document and its array of records. */
export interface PageContent {
  document: unknown;
  records: unknown[];
}

/** One page as fetched: the bytes as received and, when the body has the configured shape, its records. */
export interface FetchedPage {
  partition: Partition;
  /** 1-based position within the partition. */
  pageNumber: number;
  http: HttpResult<PageContent>;
  /** The parsed body. */
  document?: unknown;
  records?: unknown[];
  /**
   * Why the body has no records array (not JSON, cut short, no array at the records path), on every
   * allowed attempt: the page is landed for forensics, marked unreadable, and the walk fails.
   */
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
    /** A backfill's window: its end bounds every request too. */
    private readonly window?: BackfillWindow,
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
      const page: FetchedPage = {
        partition,
        pageNumber,
        http,
        ...(http.content ?? {}),
        ...(http.unreadable ? { problem: http.unreadable } : {}),
      };
      const context = {
        source: this.source.name,
        resource: this.resource.name,
        url: http.safeUrl,
        ...(this.resource.request ? { method: 'POST' } : {}),
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
  ): Promise<{ url: URL; http: HttpResult<PageContent> }> {
    const url = this.urlFor(partition, paginator.request(state));
    const format = this.source.format;
    const read = (body: Buffer) => readPageBody(body, this.recordsPath, format);
    const withBody = this.resource.request ? requestWithBody(this.resource.request, url) : {};
    return {
      url,
      http: await this.client.send({
        url,
        resource: this.resource.name,
        read,
        ...withBody,
        ...(format === 'xml' ? { explainFailure: explainSoapFault } : {}),
      }),
    };
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
      // Never a page of zero records: its records, and with them where the next page is, are unknown.
      return {
        done: true,
        error: new ResponseFormatError(
          `page ${page.pageNumber}${page.partition.label ? ` of ${page.partition.label}` : ''} ${page.problem}, on every one of ${page.http.attempts} attempts`,
          { ...context, attempts: page.http.attempts },
          'its last body is kept in raw as received, marked unreadable, and no cursor moved; re-run the day once the API answers whole bodies, or fix recordsPath and paginator in the source config if the API changed its shape',
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
    if (incremental?.endParam && this.window)
      url.searchParams.set(incremental.endParam, formatEndParam(incremental, this.window));
    for (const [name, value] of Object.entries(request.query)) url.searchParams.set(name, value);
    return url;
  }
}

/**
 * A request whose parameters travel in its body: each `{{name}}` of the template takes the value the
 * URL's query would carry under that name (XML-escaped), and leaves the query; a placeholder with no
 * value is emptied. POSTed, with SOAP's headers when the resource says which SOAP.
 */
export function requestWithBody(
  config: RequestBodyConfig,
  url: URL,
): { method: 'POST'; body: string; headers: Record<string, string> } {
  const body = config.body.replace(/\{\{\s*([\w.-]+)\s*\}\}/g, (_match, name: string) => {
    const value = url.searchParams.get(name) ?? '';
    url.searchParams.delete(name);
    return xmlEscape(value);
  });
  const headers: Record<string, string> = { accept: 'text/xml, application/soap+xml, application/xml' };
  if (config.soap?.version === '1.2')
    headers['content-type'] =
      `application/soap+xml; charset=utf-8${config.soap.action ? `; action="${config.soap.action}"` : ''}`;
  else if (config.soap) {
    headers['content-type'] = 'text/xml; charset=utf-8';
    headers.soapaction = `"${config.soap.action}"`;
  }
  if (config.contentType) headers['content-type'] = config.contentType;
  return { method: 'POST', body, headers };
}

/** A SOAP Fault in a failed answer, in words for the error: its code and its string. */
export function explainSoapFault(body: Buffer): string | undefined {
  const parsed = parseXmlBody(body);
  const fault = 'content' in parsed ? soapFault(parsed.content) : undefined;
  return fault && `SOAP Fault ${fault.code}: ${fault.message}`;
}

/** Reads a page body as the config describes it; anything else is a problem, retried by the client. */
export function readPageBody(
  body: Buffer,
  recordsPath: string,
  format: 'json' | 'xml' = 'json',
): BodyVerdict<PageContent> {
  if (format === 'xml') return readXmlPageBody(body, recordsPath);
  const parsed = parseJsonBody(body);
  if (!('content' in parsed)) return parsed;
  const document = parsed.content;
  const records = readPath(document, recordsPath);
  if (!Array.isArray(records)) {
    const where = recordsPath ? `at records path "${recordsPath}"` : 'at the top level';
    return { problem: `has no array of records ${where}` };
  }
  return { content: { document, records } };
}

/** An XML page's records (one, or none, is a list too), or what is wrong with it. */
function readXmlPageBody(body: Buffer, recordsPath: string): BodyVerdict<PageContent> {
  const page = readXmlPage(body, recordsPath);
  return 'content' in page ? page : { problem: page.problem };
}
