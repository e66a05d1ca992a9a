import type { PaginatorConfig } from '../sources/source-config';
import { readPath } from '../shared/json-path';
import type { PageState } from '../shared/step-messages';

/** Where a walk through a resource's pages stands; serializable, so it survives a continuation. */
export interface PageRequest {
  /** Query parameters to add to the resource URL. */
  query: Record<string, string>;
  /** An absolute URL handed out by the API that replaces the resource URL (next-link paging). */
  url?: string;
}

export interface PageResponse {
  document: unknown;
  headers: Headers;
  recordCount: number;
  /** The URL this page was fetched from, to resolve relative next links. */
  requestUrl: URL;
}

export type PageStep = { done: true } | { done: false; state: PageState };

export interface Paginator {
  first(): PageState;
  request(state: PageState): PageRequest;
  /** Decides the next page, or that there is none. Throws a PaginationLoop when the API repeats itself. */
  next(state: PageState, response: PageResponse): PageStep;
}

/** Raised when the API hands back a cursor or link it already gave: following it would never end. */
export class PaginationLoop extends Error {}

const done: PageStep = { done: true };

export function createPaginator(config: PaginatorConfig): Paginator {
  switch (config.type) {
    case 'none':
      return { first: () => ({}), request: () => ({ query: {} }), next: () => done };

    case 'offset':
      return {
        first: () => ({ offset: 0 }),
        request: (state) => ({
          query: {
            [config.offsetParam]: String(state.offset ?? 0),
            [config.limitParam]: String(config.limit),
          },
        }),
        next(state, response) {
          const offset = (state.offset ?? 0) + response.recordCount;
          const total = config.totalPath ? Number(readPath(response.document, config.totalPath)) : NaN;
          if (
            response.recordCount === 0 ||
            hasMoreIsFalse(response.document, config.hasMorePath) ||
            (Number.isFinite(total) && offset >= total) ||
            (config.stopOnShortPage && response.recordCount < config.limit)
          ) {
            return done;
          }
          return { done: false, state: { offset } };
        },
      };

    case 'page_number':
      return {
        first: () => ({ page: config.startPage }),
        request: (state) => {
          const query: Record<string, string> = {
            [config.pageParam]: String(state.page ?? config.startPage),
          };
          if (config.sizeParam && config.size) query[config.sizeParam] = String(config.size);
          return { query };
        },
        next(state, response) {
          const page = state.page ?? config.startPage;
          const totalPages = config.totalPagesPath
            ? Number(readPath(response.document, config.totalPagesPath))
            : NaN;
          if (
            response.recordCount === 0 ||
            hasMoreIsFalse(response.document, config.hasMorePath) ||
            (Number.isFinite(totalPages) && page - config.startPage + 1 >= totalPages) ||
            (config.stopOnShortPage && config.size !== undefined && response.recordCount < config.size)
          ) {
            return done;
          }
          return { done: false, state: { page: page + 1 } };
        },
      };

    case 'cursor': {
      const seen = new Set<string>();
      return {
        first: () => ({}),
        request: (state) => {
          const query: Record<string, string> = {};
          if (state.cursor !== undefined) query[config.cursorParam] = state.cursor;
          if (config.sizeParam && config.size) query[config.sizeParam] = String(config.size);
          return { query };
        },
        next(state, response) {
          if (state.cursor !== undefined) seen.add(state.cursor);
          const raw = readPath(response.document, config.cursorPath);
          if (response.recordCount === 0 || hasMoreIsFalse(response.document, config.hasMorePath))
            return done;
          if (raw === undefined || raw === null || raw === '') return done;
          const cursor = String(raw);
          if (seen.has(cursor)) {
            throw new PaginationLoop(`the API returned cursor "${cursor}" a second time`);
          }
          return { done: false, state: { cursor } };
        },
      };
    }

    case 'next_link': {
      const seen = new Set<string>();
      return {
        first: () => ({}),
        request: (state) => ({ query: {}, url: state.nextUrl }),
        next(_state, response) {
          seen.add(response.requestUrl.toString());
          if (response.recordCount === 0) return done;
          const raw = config.nextUrlPath
            ? readPath(response.document, config.nextUrlPath)
            : nextFromLinkHeader(response.headers.get('link'));
          if (typeof raw !== 'string' || raw === '') return done;
          const nextUrl = new URL(raw, response.requestUrl).toString();
          if (seen.has(nextUrl)) throw new PaginationLoop(`the API linked back to a page already read`);
          return { done: false, state: { nextUrl } };
        },
      };
    }
  }
}

function hasMoreIsFalse(document: unknown, path: string | undefined): boolean {
  // XML says false as text.
  if (path === undefined) return false;
  const value = readPath(document, path);
  return value === false || value === 'false';
}

/** Finds the `rel="next"` target in an RFC 8288 Link header. */
export function nextFromLinkHeader(header: string | null): string | undefined {
  if (!header) return undefined;
  for (const link of header.split(/,(?=\s*<)/)) {
    const match = /^\s*<([^>]*)>(.*)$/.exec(link);
    if (match && /;\s*rel="?([^";]*\s)?next(\s[^";]*)?"?/i.test(match[2] ?? '')) return match[1];
  }
  return undefined;
}
