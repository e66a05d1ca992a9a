import { extractResource } from '../../lambdas/extract/extract-resource';
import { clearTokenCache } from '../../lambdas/extract/http/auth';
import type { Manifest } from '../../lambdas/raw-zone/raw-landing';
import { AuthError, ResponseFormatError } from '../../lambdas/shared/errors';
import { manifestKey } from '../../lambdas/shared/keys';
import type { SourceConfig } from '../../lambdas/sources/source-config';
import { bodyFaultKinds, FaultRule } from '../../local/fixture-api/faults';
import {
  listKeys,
  objectMetadata,
  RAW_BUCKET,
  readJson,
  startTestEnvironment,
  TestEnvironment,
} from '../support/environment';
import { builtInSourceAt, eventsSource } from '../support/sources';

/** A 200 that is not a whole page of records: everything but `truncate`, which is a transport error. */
const spoiledBodies = bodyFaultKinds.filter((kind) => kind !== 'truncate');

const extractWith = (env: TestEnvironment, source: SourceConfig, resource: string, batchId: string) =>
  extractResource(env.deps(), { source, resource, batchId, logicalDate: '2026-12-04' });

/** Every paginator kind, on the fixture's event endpoints (120 events): how each source is made. */
const paginators: Array<[string, (env: TestEnvironment) => SourceConfig, string]> = [
  [
    'none',
    (env) =>
      eventsSource(
        env.api,
        { recordsPath: 'items', paginator: { type: 'none' } },
        { params: { limit: '1000' } },
      ),
    '/events-apikey',
  ],
  [
    'offset',
    (env) =>
      eventsSource(env.api, {
        recordsPath: 'items',
        paginator: { type: 'offset', limit: 50, totalPath: 'total' },
      }),
    '/events-apikey',
  ],
  [
    'page_number',
    (env) =>
      eventsSource(
        env.api,
        {
          recordsPath: 'results',
          paginator: { type: 'page_number', sizeParam: 'per_page', size: 50, totalPagesPath: 'total_pages' },
        },
        { path: '/v1/events/by-page' },
      ),
    '/events-apikey',
  ],
  [
    'next_link',
    (env) =>
      eventsSource(
        env.api,
        { recordsPath: 'records', paginator: { type: 'next_link', nextUrlPath: 'links.next' } },
        { path: '/v1/events/linked', params: { per_page: '50' } },
      ),
    '/events-apikey',
  ],
  [
    'cursor',
    (env) => {
      const source = builtInSourceAt(env.api, 'events_oauth');
      return { ...source, paginator: { ...source.paginator, size: 50 } as SourceConfig['paginator'] };
    },
    '/events-oauth/v1/events',
  ],
];

describe('a response counts only when it is proven complete', () => {
  let env: TestEnvironment;
  beforeAll(async () => (env = await startTestEnvironment({ eventCount: 120 })));
  afterAll(async () => env.close());
  beforeEach(() => env.api.faults.clear());

  const extract = (source: SourceConfig, resource: string, batchId: string) =>
    extractWith(env, source, resource, batchId);

  describe.each(paginators)('paginator %s', (name, makeSource, path) => {
    const source = () => makeSource(env);

    it.each(spoiledBodies)('retries a 200 with a %s body and lands every record once', async (kind) => {
      // The second request is spoiled once: a first page for paginated kinds, the only page for `none`.
      env.api.faults.add({ kind, after: name === 'none' ? 0 : 1, times: 1, path });
      const result = await extract(source(), 'events', `ok-${name}-${kind}`);
      expect(env.api.faults.fired()).toEqual([{ kind, fired: 1 }]);
      expect(result.records).toBe(120);
      expect(result.unreadablePages).toBe(0);
      expect(result.retries).toBe(1);
    });

    it.each(spoiledBodies)(
      'fails with a ResponseFormatError when every attempt is a %s body, never counting it as empty',
      async (kind) => {
        env.api.faults.add({ kind, times: Infinity, path });
        const batchId = `fail-${name}-${kind}`;
        const failure = extract(source(), 'events', batchId);
        await expect(failure).rejects.toThrow(ResponseFormatError);
        await expect(failure).rejects.toMatchObject({
          context: { source: source().name, resource: 'events', attempts: 4 },
          message: expect.stringMatching(
            /page 1 .* on every one of 4 attempts\. Next step: .*re-run the day/,
          ),
        });
        // The last body is in raw for forensics, marked unreadable; the manifest is never complete.
        const batch = { source: source().name, resource: 'events', logicalDate: '2026-12-04', batchId };
        const pageKeys = (
          await listKeys(env.s3, RAW_BUCKET, `${source().name}/events/dt=2026-12-04/batch=${batchId}/`)
        ).filter((key) => key.includes('page-'));
        expect(pageKeys.length).toBeGreaterThanOrEqual(1);
        const metadata = await objectMetadata(env.s3, pageKeys[0]!);
        expect(metadata).toMatchObject({ readable: 'false', 'record-count': 'unknown' });
        const manifest = await readJson<Manifest>(env.s3, RAW_BUCKET, manifestKey(batch));
        expect(manifest.complete).toBe(false);
        expect(manifest.failure).toMatch(/ResponseFormatError|on every one of 4 attempts/);
        expect(manifest.pages[0]).toMatchObject({ records: null, problem: expect.any(String) });
      },
    );
  });

  it('retries a cursor page cut short and a token answer cut short (OAuth2 source)', async () => {
    clearTokenCache(); // a token cached by an earlier test would spare the token endpoint
    const source = builtInSourceAt(env.api, 'events_oauth');
    env.api.faults.add({ kind: 'cut_short', path: '/events-oauth/oauth/token', times: 1 });
    env.api.faults.add({ kind: 'cut_short', path: '/events-oauth/v1/events', times: 1 });
    const result = await extract(source, 'events', 'oauth-cut-once');
    expect(env.api.faults.fired()).toEqual([
      { kind: 'cut_short', fired: 1 },
      { kind: 'cut_short', fired: 1 },
    ]);
    expect(result.records).toBe(120);
  });

  it('fails with a ResponseFormatError when the token endpoint never answers a whole body', async () => {
    clearTokenCache();
    env.api.faults.add({ kind: 'html', path: '/events-oauth/oauth/token', times: Infinity });
    const failure = extract(builtInSourceAt(env.api, 'events_oauth'), 'events', 'oauth-token-html');
    await expect(failure).rejects.toThrow(ResponseFormatError);
    await expect(failure).rejects.toThrow(
      /token endpoint's answer is not valid JSON.*on every one of 4 attempts/,
    );
  });

  describe('a parent list cut short', () => {
    const gfn = () => builtInSourceAt(env.api, 'gfn');

    it('is retried, so the child resource gets every partition', async () => {
      env.api.faults.add({ kind: 'cut_short', path: '/gfn/v1/countries', times: 1 });
      const result = await extract(gfn(), 'country_footprint', 'parent-cut-once');
      expect(env.api.faults.fired()).toEqual([{ kind: 'cut_short', fired: 1 }]);
      // One partition (and page) per country of the full list.
      expect(result.pages).toBeGreaterThan(200);
      expect(result.records).toBeGreaterThan(0);
    });

    it('fails the child resource instead of extracting zero pages', async () => {
      env.api.faults.add({ kind: 'cut_short', path: '/gfn/v1/countries', times: Infinity });
      await expect(extract(gfn(), 'country_footprint', 'parent-cut-always')).rejects.toThrow(
        ResponseFormatError,
      );
    });

    it('fails the child when the landed parent has an unreadable page', async () => {
      env.api.faults.add({ kind: 'cut_short', path: '/gfn/v1/countries', times: Infinity });
      await expect(extract(gfn(), 'countries', 'parent-landed-bad')).rejects.toThrow(ResponseFormatError);
      // The parent's manifest is incomplete, so the child asks the API (which still cuts short): it fails too.
      await expect(extract(gfn(), 'country_footprint', 'parent-landed-bad')).rejects.toThrow(
        ResponseFormatError,
      );
    });
  });

  it('a GFN resource without pagination cut short on every third request still lands every record', async () => {
    const calm = await extract(builtInSourceAt(env.api, 'gfn'), 'footprint_by_year', 'gfn-calm-reference');
    // A rule per cut: each fires once, on about every third request of the run.
    const fault: FaultRule = { kind: 'cut_short', path: '/gfn/v1/data', times: 1 };
    for (let after = 2; after < 60; after += 3) env.api.faults.add({ ...fault, after });
    const faulty = await extract(builtInSourceAt(env.api, 'gfn'), 'footprint_by_year', 'gfn-every-third');
    expect(faulty.records).toBe(calm.records);
    expect(faulty.pages).toBe(calm.pages);
    expect(faulty.retries).toBeGreaterThan(0);
  });
});

describe('credentials stay with their origin', () => {
  let env: TestEnvironment;
  beforeAll(async () => (env = await startTestEnvironment({ eventCount: 120 })));
  afterAll(async () => env.close());
  beforeEach(() => {
    env.api.faults.clear();
    env.api.elsewhere.requests.length = 0;
  });

  it.each([
    ['an API key header', () => eventsSource(env.api), 'events', '/events-apikey'],
    ['HTTP Basic', () => builtInSourceAt(env.api, 'gfn'), 'years', '/gfn/v1/years'],
  ] as const)(
    'a redirect to another origin never receives %s, and the run fails saying why',
    async (_name, source, resource, path) => {
      env.api.faults.add({ kind: 'redirect_away', path, times: Infinity });
      const failure = extractWith(env, source(), resource, `redirect-${resource}`);
      await expect(failure).rejects.toThrow(AuthError);
      await expect(failure).rejects.toThrow(/redirected to another origin .* credentials are never sent/);
      expect(env.api.elsewhere.requests.length).toBeGreaterThan(0);
      for (const request of env.api.elsewhere.requests) {
        expect(request.headers).not.toHaveProperty('x-api-key');
        expect(request.headers).not.toHaveProperty('authorization');
      }
    },
  );

  it('a redirect within the origin keeps the credentials and lands every record', async () => {
    // The linked endpoint's next links are absolute on the same origin; a same-origin 302 is followed too.
    let redirected = 0;
    const sameOrigin: typeof fetch = async (input, init) => {
      const url = new URL(String(input));
      if (url.searchParams.get('page') === '2' && !url.searchParams.has('moved')) {
        redirected += 1;
        url.searchParams.set('moved', '1');
        return new Response(null, { status: 302, headers: { location: url.toString() } });
      }
      return fetch(input, init);
    };
    const source = eventsSource(
      env.api,
      { recordsPath: 'records', paginator: { type: 'next_link', nextUrlPath: 'links.next' } },
      { path: '/v1/events/linked', params: { per_page: '50' } },
    );
    const result = await extractResource(env.deps({ fetchImpl: sameOrigin }), {
      source,
      resource: 'events',
      batchId: 'redirect-same-origin',
      logicalDate: '2026-12-04',
    });
    expect(redirected).toBe(1);
    expect(result.records).toBe(120);
  });
});
