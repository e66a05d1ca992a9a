import { extractResource } from '../../lambdas/extract/extract-resource';
import { ConfigError } from '../../lambdas/shared/errors';
import { StateStore } from '../../lambdas/shared/state-store';
import fc from 'fast-check';
import { canBackfill, dayWindow, formatEndParam, formatStartParam } from '../../lambdas/sources/incremental';
import { loadSources } from '../../lambdas/sources';
import { EVENTS_EPOCH_MS, EVENT_SPACING_MS } from '../../local/fixture-api/events';
import { RAW_BUCKET, startTestEnvironment, TestEnvironment } from '../support/environment';
import { builtInSourceAt } from '../support/sources';

/** The fixture's events: event i is updated 30 s after it occurred, one a second from EVENTS_EPOCH. */
const updatedAt = (index: number) => EVENTS_EPOCH_MS + index * EVENT_SPACING_MS + 30_000;
const EVENT_COUNT = 90_000; // from 2026-01-01 into the first hour of 2026-01-02

describe('backfill: a past day fetched on its own', () => {
  let env: TestEnvironment;
  let store: StateStore;
  beforeAll(async () => {
    env = await startTestEnvironment({ eventCount: EVENT_COUNT, maxPageSize: 5000 });
    store = new StateStore(env.s3, RAW_BUCKET);
  });
  afterAll(async () => env.close());
  beforeEach(() => (env.api.requests.length = 0));

  const backfill = (source: 'events_oauth' | 'fakestore' | 'gfn', resource: string, day: string) =>
    extractResource(env.deps(), {
      source: builtInSourceAt(env.api, source),
      resource,
      batchId: `backfill-${source}-${day}`,
      logicalDate: day,
      backfill: true,
    });

  it("asks the API for the day's window only, and moves no cursor", async () => {
    const committed = {
      cursor: '2026-01-02T00:30:00.000Z',
      batchId: 'daily',
      committedAt: '2026-01-02T06:00:00Z',
    };
    await store.commit('events_oauth', 'events', committed, undefined);
    const before = await store.read('events_oauth', 'events');

    const result = await backfill('events_oauth', 'events', '2026-01-02');
    const inDay = Array.from({ length: EVENT_COUNT }, (_, index) => updatedAt(index)).filter(
      (time) => time >= Date.parse('2026-01-02T00:00:00Z') && time < Date.parse('2026-01-03T00:00:00Z'),
    ).length;
    expect(result.records).toBe(inDay);
    expect(result.startCursor).toBe('2026-01-02T00:00:00.000Z');
    const eventPages = env.api.requests.filter((request) => request.path.includes('/v1/events'));
    expect(eventPages.length).toBeGreaterThan(0);
    for (const page of eventPages) expect(page.path).toContain('updated_before=2026-01-03T00%3A00%3A00.000Z');
    // Nothing for commit-state to move, and the committed cursor is as the daily run left it.
    expect(result.pendingCursor).toBeUndefined();
    expect(await store.read('events_oauth', 'events')).toEqual(before);
  });

  it('fetches nothing for a day before the data, rather than everything after it', async () => {
    const result = await backfill('events_oauth', 'events', '2025-12-31');
    expect(result.records).toBe(0);
  });

  it('bounds a date-filtered API by the day itself, inclusive', async () => {
    const result = await backfill('fakestore', 'carts', '2020-01-02');
    const [request] = env.api.requests.filter((candidate) => candidate.path.startsWith('/fakestore/carts'));
    expect(request!.path).toContain('startdate=2020-01-02');
    expect(request!.path).toContain('enddate=2020-01-02');
    expect(result.records).toBe(1); // of the 7 carts, cart 2 is the one dated 2020-01-02
  });

  it('refuses a resource that cannot fetch a past day, saying which can', async () => {
    const failure = backfill('gfn', 'countries', '2020-01-02');
    await expect(failure).rejects.toThrow(ConfigError);
    await expect(failure).rejects.toThrow(/gfn\/countries cannot fetch a past day.*incremental\.endParam/s);
  });

  it('is possible for exactly the built-in resources docs/sources.md lists', () => {
    const able = [...loadSources({}).values()].flatMap((source) =>
      source.resources.filter(canBackfill).map((resource) => `${source.name}/${resource.name}`),
    );
    expect(able).toEqual(['events_oauth/events', 'fakestore/carts']);
  });
});

describe('backfill windows', () => {
  // The APIs' filters, as the fixture API applies them: updated_since inclusive and updated_before
  // exclusive (iso); startdate and enddate both inclusive days (date).
  const inWindow = (paramFormat: 'iso' | 'date', time: number, day: string) => {
    const config = {
      cursorField: 'updated_at',
      type: 'timestamp' as const,
      initialValue: '',
      paramFormat,
      lag: 0,
    };
    const window = dayWindow(day);
    const start = formatStartParam(config, window.from);
    const end = formatEndParam(config, window);
    if (paramFormat === 'iso') return time >= Date.parse(start) && time < Date.parse(end);
    const date = new Date(time).toISOString().slice(0, 10);
    return date >= start && date <= end;
  };

  it('cover every instant exactly once over consecutive days, whatever the format', () => {
    const DAY = 86_400_000;
    fc.assert(
      fc.property(
        fc.constantFrom('iso' as const, 'date' as const),
        fc.integer({ min: Date.parse('2020-01-01T00:00:00Z'), max: Date.parse('2030-12-31T23:59:59Z') }),
        (format, time) => {
          // The day before, the day of and the day after the instant: exactly one window holds it.
          const days = [-1, 0, 1].map((offset) => new Date(time + offset * DAY).toISOString().slice(0, 10));
          const holding = days.filter((day) => inWindow(format, time, day));
          expect(holding).toEqual([new Date(time).toISOString().slice(0, 10)]);
        },
      ),
      { numRuns: 500 },
    );
  });
});
