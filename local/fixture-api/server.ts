import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bodyFaultKinds, FaultInjector, FaultRule } from './faults';
import { FakestoreData, GfnData, gfnTypes, loadFakestoreData, loadGfnData } from './fixture-data';
import { HttpAnswer, json, write, writeFaultyBody } from './http-answer';
import { EventApis } from './event-apis';
import { ErpService } from './erp-service';

/**
 * A local stand-in for the four APIs the pipeline ships sources for, on loopback, from real data:
 *   /gfn/v1/…           Global Footprint Network (HTTP Basic, API key as password)
 *   /fakestore/…        FakeStore (no auth)
 *   /events-oauth/…     generated events, OAuth2 client credentials, cursor pagination
 *   /events-apikey/…    generated events, X-API-Key (or ?api_key=), offset, page-number and link paging
 *   /erp/…              a legacy ERP's SOAP 1.1 order service (WS-Security UsernameToken, WSDL at ?wsdl)
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
  /** Fields every event gains (an API that grew a field, for schema evolution). */
  extraEventFields?: Record<string, unknown>;
}

export const fixtureCredentials = {
  GFN_API_KEY: 'fixture-gfn-key',
  EVENTS_API_KEY: 'fixture-events-key',
  EVENTS_OAUTH_CLIENT_ID: 'fixture-client',
  EVENTS_OAUTH_CLIENT_SECRET: 'fixture-client-secret',
  ERP_PASSWORD: 'fixture-erp-password',
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
  baseUrls: Record<'gfn' | 'fakestore' | 'events_oauth' | 'events_apikey' | 'legacy_erp', string>;
  close(): Promise<void>;
}

/** Faults that replace the answer before any route runs; body faults spoil a 200 afterwards. */
const REQUEST_FAULTS = [
  '429',
  '500',
  '502',
  '503',
  'slow',
  'reset',
  'expire_token',
  'redirect_away',
] as const;

export async function startFixtureApi(options: FixtureApiOptions = {}): Promise<FixtureApi> {
  const gfnApiKey = options.gfnApiKey ?? fixtureCredentials.GFN_API_KEY;
  const gfn = loadGfnData();
  const fakestore = loadFakestoreData();
  const faults = new FaultInjector();
  const events = new EventApis(
    {
      eventCount: options.eventCount ?? 5_000,
      eventsApiKey: options.eventsApiKey ?? fixtureCredentials.EVENTS_API_KEY,
      clientId: options.oauthClientId ?? fixtureCredentials.EVENTS_OAUTH_CLIENT_ID,
      clientSecret: options.oauthClientSecret ?? fixtureCredentials.EVENTS_OAUTH_CLIENT_SECRET,
      tokenTtlSeconds: options.tokenTtlSeconds ?? 3600,
      maxPageSize: options.maxPageSize ?? 1000,
      extraEventFields: options.extraEventFields ?? {},
    },
    faults,
  );
  const erp = new ErpService(fakestore, fixtureCredentials.ERP_PASSWORD);
  const route = (request: IncomingMessage, url: URL, body: string): HttpAnswer => {
    const path = url.pathname;
    if (path.startsWith('/erp/')) return erp.answer(request, url, body);
    if (path.startsWith('/gfn/v1/')) return gfnRoute(gfn, gfnApiKey, request, path.slice('/gfn/v1'.length));
    if (path.startsWith('/fakestore/'))
      return fakestoreRoute(fakestore, path.slice('/fakestore'.length), url);
    if (path === '/events-oauth/oauth/token') return events.issueToken(request, body);
    if (path.startsWith('/events-oauth/v1/events')) return events.oauthEvents(request, url);
    if (path.startsWith('/events-apikey/v1/events'))
      return events.apikeyEvents(request, url, path.slice('/events-apikey/v1/events'.length));
    return json({ error: 'not found', path }, 404);
  };

  const elsewhere = await startElsewhere();
  const served = new ServedRequests(faults, events, elsewhere.url, route);
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => served.answer(request, response, Buffer.concat(chunks).toString('utf8')));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    faults,
    requests: served.requests,
    elsewhere: { url: elsewhere.url, requests: elsewhere.requests },
    baseUrls: {
      gfn: `${url}/gfn/v1`,
      fakestore: `${url}/fakestore`,
      events_oauth: `${url}/events-oauth`,
      events_apikey: `${url}/events-apikey`,
      legacy_erp: `${url}/erp`,
    },
    close: async () => {
      served.cancelDelayed();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await elsewhere.close();
    },
  };
}

/** Answers each request, through the faults scheduled for its path, and remembers what it answered. */
class ServedRequests {
  /** The requests served (the latest 10,000, so a long `--serve` or a benchmark does not grow it without end). */
  readonly requests: FixtureApi['requests'] = [];
  private readonly pendingTimers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly faults: FaultInjector,
    private readonly events: EventApis,
    private readonly elsewhereUrl: string,
    private readonly route: (request: IncomingMessage, url: URL, body: string) => HttpAnswer,
  ) {}

  answer(request: IncomingMessage, response: ServerResponse, body: string): void {
    const url = new URL(request.url ?? '/', 'http://fixture.local');
    const record = (status: number) => {
      if (this.requests.length >= 10_000) this.requests.shift();
      this.requests.push({ method: request.method ?? 'GET', path: url.pathname + url.search, status });
    };
    const fault = this.faults.take(url.pathname, [...REQUEST_FAULTS]);
    if (fault?.kind === 'reset') {
      record(0);
      request.socket.destroy();
      return;
    }
    if (fault?.kind === 'expire_token') this.events.expireTokens();
    if (fault?.kind === 'redirect_away') {
      record(302);
      write(
        response,
        new HttpAnswer(302, '', { location: `${this.elsewhereUrl}${url.pathname}${url.search}` }),
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
    const answer = this.route(request, url, body);
    record(answer.status);
    const send = () => {
      const bodyFault = answer.status === 200 ? this.faults.take(url.pathname, bodyFaultKinds) : undefined;
      if (bodyFault) writeFaultyBody(response, answer, bodyFault.kind as (typeof bodyFaultKinds)[number]);
      else write(response, answer);
    };
    if (fault?.kind === 'slow') {
      const timer = setTimeout(() => {
        this.pendingTimers.delete(timer);
        if (!response.destroyed) send();
      }, fault.delayMs ?? 5000);
      this.pendingTimers.add(timer);
    } else {
      send();
    }
  }

  /** Answers held back by the `slow` fault are never sent. */
  cancelDelayed(): void {
    for (const timer of this.pendingTimers) clearTimeout(timer);
  }
}

export type { FaultRule };

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
