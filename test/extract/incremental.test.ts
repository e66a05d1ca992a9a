import { extractResource } from '../../lambdas/extract/extract-resource';
import { StateConflictError } from '../../lambdas/shared/errors';
import { StateStore } from '../../lambdas/shared/state-store';
import { EVENTS_EPOCH_MS, EVENT_SPACING_MS } from '../../local/fixture-api/events';
import { RAW_BUCKET, readJson, startTestEnvironment, TestEnvironment } from '../support/environment';
import { builtInSourceAt } from '../support/sources';

describe('incremental extraction and state', () => {
  let env: TestEnvironment;
  let store: StateStore;
  beforeAll(async () => {
    env = await startTestEnvironment({ eventCount: 2000 });
    store = new StateStore(env.s3, RAW_BUCKET);
  });
  afterAll(async () => env.close());
  beforeEach(() => (env.api.requests.length = 0));

  const oauthEvents = (batchId: string) =>
    extractResource(env.deps(), {
      source: builtInSourceAt(env.api, 'events_oauth'),
      resource: 'events',
      batchId,
      logicalDate: '2026-11-20',
    });

  it('starts from the initial value, returns the newest cursor, and leaves committed state alone', async () => {
    const result = await oauthEvents('i-first');
    expect(result.startCursor).toBe('2026-01-01T00:00:00.000Z');
    expect(env.api.requests[1]!.path).toContain('updated_since=2026-01-01T00%3A00%3A00.000Z');
    expect(result.records).toBe(2000);
    expect(result.pendingCursor).toBe(
      new Date(EVENTS_EPOCH_MS + 1999 * EVENT_SPACING_MS + 30_000).toISOString(),
    );
    expect(result.stateEtag).toBeUndefined();
    expect(await store.read('events_oauth', 'events')).toBeUndefined();
  });

  it('resumes from saved state less the lag, and asks the API only for what changed since', async () => {
    const first = await oauthEvents('i-before-commit');
    await store.commit(
      'events_oauth',
      'events',
      { cursor: first.pendingCursor!, batchId: 'i-before-commit', committedAt: '2026-11-20T07:00:00Z' },
      first.stateEtag,
    );
    // Move the saved cursor back so that the last 100 events count as new; the lag is 300 s on top.
    const saved = await store.read('events_oauth', 'events');
    const cursor = new Date(Date.parse(String(first.pendingCursor)) - 100 * EVENT_SPACING_MS).toISOString();
    await store.commit(
      'events_oauth',
      'events',
      { cursor, batchId: 'manual', committedAt: '2026-11-20T07:01:00Z' },
      saved!.etag,
    );

    const second = await oauthEvents('i-second');
    expect(second.startCursor).toBe(new Date(Date.parse(cursor) - 300_000).toISOString());
    const lagEvents = 300_000 / EVENT_SPACING_MS;
    expect(second.records).toBe(100 + lagEvents + 1); // the newer events, those within the lag, and the one at the start
    expect(second.pendingCursor).toBe(first.pendingCursor);
    expect(second.stateEtag).toBe((await store.read('events_oauth', 'events'))!.etag);
  });

  it('writes the start value in the format the API takes (fakestore: a date)', async () => {
    await extractResource(env.deps(), {
      source: builtInSourceAt(env.api, 'fakestore'),
      resource: 'carts',
      batchId: 'i-date',
      logicalDate: '2026-11-20',
    });
    expect(env.api.requests[0]!.path).toBe('/fakestore/carts?startdate=2020-01-01');
  });

  it('refuses a commit when another run committed since this one read the state', async () => {
    const runA = await oauthEvents('i-race-a');
    const runB = await oauthEvents('i-race-b');
    expect(runA.stateEtag).toBe(runB.stateEtag);

    await store.commit(
      'events_oauth',
      'events',
      { cursor: runA.pendingCursor!, batchId: 'i-race-a', committedAt: '2026-11-20T08:00:00Z' },
      runA.stateEtag,
    );
    await expect(
      store.commit(
        'events_oauth',
        'events',
        { cursor: runB.pendingCursor!, batchId: 'i-race-b', committedAt: '2026-11-20T08:00:01Z' },
        runB.stateEtag,
      ),
    ).rejects.toThrow(StateConflictError);
    expect((await store.read('events_oauth', 'events'))!.state.batchId).toBe('i-race-a');
  });

  it('refuses a first commit when state appeared in the meantime', async () => {
    await store.commit(
      'fakestore',
      'carts',
      { cursor: '2020-03-02T00:00:00.000Z', batchId: 'x', committedAt: '2026-11-20T08:00:00Z' },
      undefined,
    );
    await expect(
      store.commit(
        'fakestore',
        'carts',
        { cursor: '2020-03-03T00:00:00.000Z', batchId: 'y', committedAt: '2026-11-20T08:00:00Z' },
        undefined,
      ),
    ).rejects.toThrow(/changed since this run read it/);
  });

  it('expands a year range from the cursor and records the newest year seen', async () => {
    await store.commit(
      'gfn',
      'footprint_by_year',
      { cursor: 2015, batchId: 'x', committedAt: '2026-11-20T08:00:00Z' },
      undefined,
    );
    const result = await extractResource(env.deps(), {
      source: builtInSourceAt(env.api, 'gfn'),
      resource: 'footprint_by_year',
      batchId: 'i-range',
      logicalDate: '2026-11-20',
    });
    const years = env.api.requests.map((request) => Number(/\/data\/all\/(\d+)/.exec(request.path)![1]));
    expect(years[0]).toBe(2014); // cursor 2015 less a lag of one year
    expect(years.at(-1)).toBe(new Date().getUTCFullYear());
    expect(result.pendingCursor).toBe(2018);
  });

  it('child resources take their partitions from the parent landed in the same batch', async () => {
    const gfn = builtInSourceAt(env.api, 'gfn');
    const parent = await extractResource(env.deps(), {
      source: gfn,
      resource: 'countries',
      batchId: 'i-parent',
      logicalDate: '2026-11-20',
    });
    env.api.requests.length = 0;
    const child = await extractResource(env.deps(), {
      source: gfn,
      resource: 'country_footprint',
      batchId: 'i-parent',
      logicalDate: '2026-11-20',
    });

    expect(env.api.requests.some((request) => request.path.endsWith('/countries'))).toBe(false);
    expect(env.api.requests).toHaveLength(parent.records);
    expect(child.pageKeys).toContain(
      'gfn/country_footprint/dt=2026-11-20/batch=i-parent/partition=countryCode-100/page-00001.json.gz',
    );
    const manifest = await readJson<{ pages: Array<{ partition: string; records: number }> }>(
      env.s3,
      RAW_BUCKET,
      child.manifestKey,
    );
    expect(manifest.pages.find((page) => page.partition === 'countryCode-100')!.records).toBe(885); // India, every record
  });

  it('child resources ask the API for the parent when it is not landed in this batch', async () => {
    const gfn = builtInSourceAt(env.api, 'gfn');
    const child = await extractResource(env.deps(), {
      source: gfn,
      resource: 'country_footprint',
      batchId: 'i-orphan',
      logicalDate: '2026-11-20',
    });
    expect(env.api.requests[0]!.path).toBe('/gfn/v1/countries');
    expect(child.pages).toBe(222);
  });
});
