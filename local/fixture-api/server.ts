import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { bodyFaultKinds, FaultInjector, FaultRule } from './faults';
import { eventsBetween, firstIndexUpdatedSince } from './events';
import { FakestoreData, GfnData, gfnTypes, loadFakestoreData, loadGfnData } from './fixture-data';

/**
 * A local stand-in for the four APIs the pipeline ships sources for, on loopback, from real data:
 *   /gfn/v1/…           Global Footprint Network (HTTP Basic, API key as password)
 *   /fakestore/…        FakeStore (no auth)
 *   /events-oauth/…     generated events, OAuth2 client credentials, cursor pagination
 *   /events-apikey/…    generated events, X-API-Key (or ?api_key=), offset, page-number and link paging
 */
export interface FixtureApiOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** How many generated events each event API holds (default 5,000). */
  eventCount?: number;
  gfnApiKey?: string;
  eventsApiKey?: string;
  oauthClientId?: string;
  oauthClientSecret?: string;
  /** Lifetime of issued OAuth tokens (default 3600 s). */
  tokenTtlSeconds?: number;
  /** Largest page the event APIs serve, whatever is asked (default 1000). */
  maxPageSize?: number;
}

export const fixtureCredentials = {
  GFN_API_KEY: 'fixture-gfn-key',
  EVENTS_API_KEY: 'fixture-events-key',
  EVENTS_OAUTH_CLIENT_ID: 'fixture-client',
  EVENTS_OAUTH_CLIENT_SECRET: 'fixture-client-secret',
} as const;

export interface FixtureApi {
  url: string;
  faults: FaultInjector;
  /** The requests served (the latest 10,000): method, path with query, status. */
  readonly requests: Array<{ method: string; path: string; status: number }>;
  /**
   * Another origin (its own port), where `redirect_away` sends requests: it answers 401 and keeps
   * the headers each request arrived with, so a test can prove no credential followed the redirect.
   */
  elsewhere: { url: string; requests: Array<{ path: string; headers: Record<string, string> }> };
  /** Base URLs that point each built-in source here (for PIPELINE_BASE_URL_<SOURCE>). */
  baseUrls: Record<'gfn' | 'fakestore' | 'events_oauth' | 'events_apikey', string>;
  close(): Promise<void>;
}

class HttpAnswer {
  constructor(
    readonly status: number,
    readonly body: Buffer | string,
    readonly headers: Record<string, string> = {},
  ) {}
}

const json = (value: unknown, status = 200, headers: Record<string, string> = {}) =>
  new HttpAnswer(status, JSON.stringify(value), {
    'content-type': 'application/json; charset=utf-8',
    ...headers,
  });

export async function startFixtureApi(options: FixtureApiOptions = {}): Promise<FixtureApi> {
  const settings = {
    eventCount: options.eventCount ?? 5_000,
    gfnApiKey: options.gfnApiKey ?? fixtureCredentials.GFN_API_KEY,
    eventsApiKey: options.eventsApiKey ?? fixtureCredentials.EVENTS_API_KEY,
    clientId: options.oauthClientId ?? fixtureCredentials.EVENTS_OAUTH_CLIENT_ID,
    clientSecret: options.oauthClientSecret ?? fixtureCredentials.EVENTS_OAUTH_CLIENT_SECRET,
    tokenTtlSeconds: options.tokenTtlSeconds ?? 3600,
    maxPageSize: options.maxPageSize ?? 1000,
  };
  const gfn = loadGfnData();
  const fakestore = loadFakestoreData();
  const faults = new FaultInjector();
  const requests: FixtureApi['requests'] = [];
  const tokens = new Map<string, number>();
  const pendingTimers = new Set<NodeJS.Timeout>();

  const route = (request: IncomingMessage, url: URL, body: string): HttpAnswer => {
    const path = url.pathname;
    if (path.startsWith('/gfn/v1/'))
      return gfnRoute(gfn, settings.gfnApiKey, request, path.slice('/gfn/v1'.length));
    if (path.startsWith('/fakestore/'))
      return fakestoreRoute(fakestore, path.slice('/fakestore'.length), url);
    if (path === '/events-oauth/oauth/token') return issueToken(request, body);
    if (path.startsWith('/events-oauth/v1/events')) return oauthEvents(request, url);
    if (path.startsWith('/events-apikey/v1/events')) return apikeyEvents(request, url);
    return json({ error: 'not found', path }, 404);
  };

  const issueToken = (request: IncomingMessage, body: string): HttpAnswer => {
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
    if (clientId !== settings.clientId || clientSecret !== settings.clientSecret) {
      return json({ error: 'invalid_client' }, 401);
    }
    const token = randomBytes(16).toString('hex');
    tokens.set(token, Date.now() + settings.tokenTtlSeconds * 1000);
    return json({ access_token: token, token_type: 'Bearer', expires_in: settings.tokenTtlSeconds });
  };

  const oauthEvents = (request: IncomingMessage, url: URL): HttpAnswer => {
    const bearer = /^Bearer (.+)$/i.exec(request.headers.authorization ?? '')?.[1];
    const expiresAt = bearer ? tokens.get(bearer) : undefined;
    if (!expiresAt || expiresAt <= Date.now()) return json({ error: 'invalid_token' }, 401);
    const limit = pageSize(url.searchParams.get('limit'));
    const cursor = url.searchParams.get('cursor');
    const start = cursor
      ? decodeCursor(cursor)
      : firstIndexUpdatedSince(url.searchParams.get('updated_since'));
    if (start === undefined) return json({ error: 'invalid cursor' }, 400);
    const end = Math.min(start + limit, settings.eventCount);
    const hasMore = end < settings.eventCount;
    const repeat = hasMore && cursor !== null && faults.take(url.pathname, ['repeat_cursor']);
    const nextCursor = hasMore ? (repeat ? cursor : encodeCursor(end)) : null;
    return json({ data: eventsBetween(start, end), next_cursor: nextCursor, has_more: hasMore });
  };

  const apikeyEvents = (request: IncomingMessage, url: URL): HttpAnswer => {
    const key = request.headers['x-api-key'] ?? url.searchParams.get('api_key');
    if (key !== settings.eventsApiKey) return json({ error: 'missing or invalid API key' }, 401);
    const since = firstIndexUpdatedSince(url.searchParams.get('updated_since'));
    const total = Math.max(0, settings.eventCount - since);
    const route = url.pathname.slice('/events-apikey/v1/events'.length);
    if (route === '') {
      const limit = pageSize(url.searchParams.get('limit'));
      const offset = Math.max(0, Number(url.searchParams.get('offset') ?? 0) || 0);
      const start = since + offset;
      return json({
        items: eventsBetween(start, Math.min(start + limit, settings.eventCount)),
        total,
        offset,
        limit,
      });
    }
    const perPage = pageSize(url.searchParams.get('per_page'));
    const page = Math.max(1, Number(url.searchParams.get('page') ?? 1) || 1);
    const start = since + (page - 1) * perPage;
    const events = eventsBetween(start, Math.min(start + perPage, settings.eventCount));
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
  };

  const pageSize = (asked: string | null) =>
    Math.min(settings.maxPageSize, Math.max(1, Number(asked ?? 100) || 100));

  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://fixture.local');
      const record = (status: number) => {
        // Bounded, so a long `--serve` or a benchmark does not grow it without end.
        if (requests.length >= 10_000) requests.shift();
        requests.push({ method: request.method ?? 'GET', path: url.pathname + url.search, status });
      };
      const fault = faults.take(url.pathname, [
        '429',
        '500',
        '502',
        '503',
        'slow',
        'reset',
        'expire_token',
        'redirect_away',
      ]);
      if (fault?.kind === 'reset') {
        record(0);
        request.socket.destroy();
        return;
      }
      if (fault?.kind === 'expire_token') tokens.clear();
      if (fault?.kind === 'redirect_away') {
        record(302);
        write(
          response,
          new HttpAnswer(302, '', { location: `${elsewhere.url}${url.pathname}${url.search}` }),
        );
        return;
      }
      if (fault && /^\d+$/.test(fault.kind)) {
        const status = Number(fault.kind);
        record(status);
        const headers: Record<string, string> =
          status === 429 ? { 'retry-after': String(fault.retryAfterSeconds ?? 1) } : {};
        write(response, json({ error: `injected ${status}` }, status, headers));
        return;
      }
      const answer = route(request, url, Buffer.concat(chunks).toString('utf8'));
      record(answer.status);
      const send = () => {
        const bodyFault = answer.status === 200 ? faults.take(url.pathname, bodyFaultKinds) : undefined;
        if (bodyFault) writeFaultyBody(response, answer, bodyFault.kind as (typeof bodyFaultKinds)[number]);
        else write(response, answer);
      };
      if (fault?.kind === 'slow') {
        const timer = setTimeout(() => {
          pendingTimers.delete(timer);
          if (!response.destroyed) send();
        }, fault.delayMs ?? 5000);
        pendingTimers.add(timer);
      } else {
        send();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const elsewhere = await startElsewhere();
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    faults,
    requests,
    elsewhere: { url: elsewhere.url, requests: elsewhere.requests },
    baseUrls: {
      gfn: `${url}/gfn/v1`,
      fakestore: `${url}/fakestore`,
      events_oauth: `${url}/events-oauth`,
      events_apikey: `${url}/events-apikey`,
    },
    close: async () => {
      for (const timer of pendingTimers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await elsewhere.close();
    },
  };
}

export type { FaultRule };

function write(response: ServerResponse, answer: HttpAnswer): void {
  const body = Buffer.from(answer.body);
  response.writeHead(answer.status, { ...answer.headers, 'content-length': String(body.length) });
  response.end(body);
}

/** A 200 answer spoiled the ways real APIs spoil them. */
function writeFaultyBody(
  response: ServerResponse,
  answer: HttpAnswer,
  kind: (typeof bodyFaultKinds)[number],
): void {
  const body = Buffer.from(answer.body);
  const half = body.subarray(0, Math.floor(body.length / 2));
  switch (kind) {
    case 'truncate':
      // Promises the whole body, sends half, and hangs up: the client sees a transport error.
      response.writeHead(answer.status, { ...answer.headers, 'content-length': String(body.length) });
      response.write(half, () => response.socket?.destroy());
      return;
    case 'cut_short':
      // Chunked, no length to compare, and a clean end: only parsing can tell the body is incomplete.
      response.writeHead(answer.status, { ...answer.headers, 'transfer-encoding': 'chunked' });
      response.end(half);
      return;
    case 'wrong_shape':
      write(response, json({ status: 'ok', message: 'this API now answers another shape' }));
      return;
    case 'html':
      write(
        response,
        new HttpAnswer(
          200,
          '<!DOCTYPE html><html><body><h1>Service temporarily unavailable</h1></body></html>',
          {
            'content-type': 'text/html; charset=utf-8',
          },
        ),
      );
      return;
    case 'empty':
      write(response, new HttpAnswer(200, '', { 'content-type': 'application/json' }));
      return;
  }
}

/** The other origin `redirect_away` points at: 401 for everyone, every request's headers kept. */
async function startElsewhere(): Promise<{
  url: string;
  requests: Array<{ path: string; headers: Record<string, string> }>;
  close(): Promise<void>;
}> {
  const requests: Array<{ path: string; headers: Record<string, string> }> = [];
  const server = createServer((request, response) => {
    if (requests.length >= 1_000) requests.shift();
    requests.push({
      path: request.url ?? '/',
      headers: Object.fromEntries(
        Object.entries(request.headers).map(([name, value]) => [name, String(value)]),
      ),
    });
    request.resume();
    write(response, json({ error: 'credentials required' }, 401));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const encodeCursor = (index: number) => Buffer.from(`i:${index}`).toString('base64url');

function decodeCursor(cursor: string): number | undefined {
  const match = /^i:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  return match ? Number(match[1]) : undefined;
}

function gfnRoute(data: GfnData, apiKey: string, request: IncomingMessage, path: string): HttpAnswer {
  const basic = /^Basic (.+)$/i.exec(request.headers.authorization ?? '');
  const password = basic
    ? Buffer.from(basic[1]!, 'base64').toString('utf8').split(':').slice(1).join(':')
    : undefined;
  if (password !== apiKey) return json({ error: 'Forbidden: a valid API key is required' }, 403);
  if (path === '/countries') {
    return new HttpAnswer(200, data.countriesBody, { 'content-type': 'application/json; charset=utf-8' });
  }
  if (path === '/years')
    return json(data.years.map((year, index) => ({ id: index + 1, year, version: null })));
  if (path === '/types') return json(gfnTypes);
  const match = /^\/data\/([^/]+)\/([^/]+)(?:\/([^/]+))?$/.exec(path);
  if (!match) return json({ error: 'not found' }, 404);
  const [, country, year, typeCode] = match;
  const records =
    typeCode && typeCode !== 'all' ? gfnTypes.find((type) => type.code === typeCode)?.record : undefined;
  if (typeCode && typeCode !== 'all' && !records) return json({ error: `unknown type ${typeCode}` }, 400);
  return json(
    data.rows.filter(
      (row) =>
        (country === 'all' || String(row.countryCode) === country) &&
        (year === 'all' || String(row.year) === year) &&
        (!records || row.record === records),
    ),
  );
}

function fakestoreRoute(data: FakestoreData, path: string, url: URL): HttpAnswer {
  const limit = Number(url.searchParams.get('limit') ?? 0);
  const shape = <T>(items: T[]) => {
    const ordered = url.searchParams.get('sort') === 'desc' ? [...items].reverse() : items;
    return json(limit > 0 ? ordered.slice(0, limit) : ordered);
  };
  const byId = <T extends { id: number }>(items: T[], id: string) =>
    json(items.find((item) => String(item.id) === id) ?? null);
  let match: RegExpExecArray | null;
  if (path === '/products') return shape(data.products as Array<{ id: number }>);
  if (path === '/products/categories') {
    return json([
      ...new Set((data.products as Array<{ category: string }>).map((product) => product.category)),
    ]);
  }
  if ((match = /^\/products\/(\d+)$/.exec(path)))
    return byId(data.products as Array<{ id: number }>, match[1]!);
  if (path === '/users') return shape(data.users as Array<{ id: number }>);
  if ((match = /^\/users\/(\d+)$/.exec(path))) return byId(data.users as Array<{ id: number }>, match[1]!);
  if (path === '/carts') {
    const start = url.searchParams.get('startdate');
    const end = url.searchParams.get('enddate');
    return shape(
      data.carts.filter(
        (cart) => (!start || cart.date.slice(0, 10) >= start) && (!end || cart.date.slice(0, 10) <= end),
      ),
    );
  }
  if ((match = /^\/carts\/user\/(\d+)$/.exec(path))) {
    return shape(data.carts.filter((cart) => String(cart.userId) === match![1]));
  }
  if ((match = /^\/carts\/(\d+)$/.exec(path))) return byId(data.carts, match[1]!);
  return json({ error: 'not found' }, 404);
}
