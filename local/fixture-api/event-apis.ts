import type { IncomingMessage } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { FaultInjector } from './faults';
import { eventsBetween, firstIndexUpdatedSince } from './events';
import { HttpAnswer, json } from './http-answer';

export interface EventApiSettings {
  eventCount: number;
  eventsApiKey: string;
  clientId: string;
  clientSecret: string;
  tokenTtlSeconds: number;
  maxPageSize: number;
  extraEventFields: Record<string, unknown>;
}

/**
 * The two generated event APIs: `/events-oauth` (OAuth2 client credentials, cursor pagination) and
 * `/events-apikey` (X-API-Key or ?api_key=; offset, page-number and link paging). Paths here are
 * below each API's prefix.
 */
export class EventApis {
  /** Issued OAuth tokens and when each expires (epoch ms). */
  private readonly tokens = new Map<string, number>();

  constructor(
    private readonly settings: EventApiSettings,
    private readonly faults: FaultInjector,
  ) {}

  /** The generated events from `start` to `end`, with the fields the API grew. */
  private events(start: number, end: number): object[] {
    const extra = this.settings.extraEventFields;
    const events = eventsBetween(start, end);
    return Object.keys(extra).length ? events.map((event) => ({ ...event, ...extra })) : events;
  }

  /** The `expire_token` fault: every issued token stops working at once. */
  expireTokens(): void {
    this.tokens.clear();
  }

  issueToken(request: IncomingMessage, body: string): HttpAnswer {
    const form = new URLSearchParams(body);
    let clientId = form.get('client_id');
    let clientSecret = form.get('client_secret');
    const basic = /^Basic (.+)$/i.exec(request.headers.authorization ?? '');
    if (basic) {
      const [id, secret] = Buffer.from(basic[1]!, 'base64')
        .toString('utf8')
        .split(':')
        .map(decodeURIComponent);
      clientId = id ?? null;
      clientSecret = secret ?? null;
    }
    if (form.get('grant_type') !== 'client_credentials')
      return json({ error: 'unsupported_grant_type' }, 400);
    if (clientId !== this.settings.clientId || clientSecret !== this.settings.clientSecret) {
      return json({ error: 'invalid_client' }, 401);
    }
    const token = randomBytes(16).toString('hex');
    this.tokens.set(token, Date.now() + this.settings.tokenTtlSeconds * 1000);
    return json({ access_token: token, token_type: 'Bearer', expires_in: this.settings.tokenTtlSeconds });
  }

  oauthEvents(request: IncomingMessage, url: URL): HttpAnswer {
    const { eventCount } = this.settings;
    const bearer = /^Bearer (.+)$/i.exec(request.headers.authorization ?? '')?.[1];
    const expiresAt = bearer ? this.tokens.get(bearer) : undefined;
    if (!expiresAt || expiresAt <= Date.now()) return json({ error: 'invalid_token' }, 401);
    const limit = this.pageSize(url.searchParams.get('limit'));
    const cursor = url.searchParams.get('cursor');
    const start = cursor
      ? decodeCursor(cursor)
      : firstIndexUpdatedSince(url.searchParams.get('updated_since'));
    if (start === undefined) return json({ error: 'invalid cursor' }, 400);
    // `updated_before` (exclusive) bounds the events as `updated_since` starts them: a backfill's window.
    const before = url.searchParams.get('updated_before');
    const last = before ? Math.min(eventCount, firstIndexUpdatedSince(before)) : eventCount;
    const end = Math.max(start, Math.min(start + limit, last));
    const hasMore = end < last;
    const repeat = hasMore && cursor !== null && this.faults.take(url.pathname, ['repeat_cursor']);
    const nextCursor = hasMore ? (repeat ? cursor : encodeCursor(end)) : null;
    return json({ data: this.events(start, end), next_cursor: nextCursor, has_more: hasMore });
  }

  /** `route` is the path below `/events-apikey/v1/events`: '' (offset), `/by-page` or `/linked`. */
  apikeyEvents(request: IncomingMessage, url: URL, route: string): HttpAnswer {
    const { eventCount } = this.settings;
    const key = request.headers['x-api-key'] ?? url.searchParams.get('api_key');
    if (key !== this.settings.eventsApiKey) return json({ error: 'missing or invalid API key' }, 401);
    const since = firstIndexUpdatedSince(url.searchParams.get('updated_since'));
    const total = Math.max(0, eventCount - since);
    if (route === '') {
      const limit = this.pageSize(url.searchParams.get('limit'));
      const offset = Math.max(0, Number(url.searchParams.get('offset') ?? 0) || 0);
      const start = since + offset;
      return json({ items: this.events(start, Math.min(start + limit, eventCount)), total, offset, limit });
    }
    const perPage = this.pageSize(url.searchParams.get('per_page'));
    const page = Math.max(1, Number(url.searchParams.get('page') ?? 1) || 1);
    const start = since + (page - 1) * perPage;
    const events = this.events(start, Math.min(start + perPage, eventCount));
    const totalPages = Math.ceil(total / perPage);
    if (route === '/by-page')
      return json({ results: events, page, per_page: perPage, total_pages: totalPages });
    if (route === '/linked') {
      const next = new URL(url.toString());
      next.searchParams.set('page', String(page + 1));
      next.searchParams.set('per_page', String(perPage));
      next.searchParams.delete('api_key');
      // The body's link is relative; the header's is absolute: a client must handle both.
      const nextRelative = page < totalPages ? `${next.pathname}${next.search}` : null;
      const headers: Record<string, string> = nextRelative
        ? { link: `<http://${request.headers.host}${nextRelative}>; rel="next"` }
        : {};
      return json({ records: events, links: { next: nextRelative } }, 200, headers);
    }
    return json({ error: 'not found' }, 404);
  }

  private pageSize(asked: string | null): number {
    return Math.min(this.settings.maxPageSize, Math.max(1, Number(asked ?? 100) || 100));
  }
}

const encodeCursor = (index: number) => Buffer.from(`i:${index}`).toString('base64url');

function decodeCursor(cursor: string): number | undefined {
  const match = /^i:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  return match ? Number(match[1]) : undefined;
}
