import { handler } from '../../lambdas/plan/handler';
import { logicalDateOf } from '../../lambdas/shared/logical-date';

describe('plan', () => {
  const saved = process.env.PIPELINE_SOURCES;
  afterEach(() => (process.env.PIPELINE_SOURCES = saved));

  it('takes the logical date from the scheduled time, not the clock', () => {
    const lateRetry = new Date('2026-11-23T02:00:00Z');
    expect(logicalDateOf({ scheduledTime: '2026-11-22T06:00:00Z' }, lateRetry)).toBe('2026-11-22');
    expect(
      logicalDateOf({ logicalDate: '2026-10-01', scheduledTime: '2026-11-22T06:00:00Z' }, lateRetry),
    ).toBe('2026-10-01');
    expect(logicalDateOf({}, lateRetry)).toBe('2026-11-23');
  });

  it('rejects a date that is not one, saying how to write it', () => {
    expect(() => logicalDateOf({ logicalDate: '2026-13-01' }, new Date())).toThrow(
      /pass logicalDate as YYYY-MM-DD/,
    );
    expect(() => logicalDateOf({ logicalDate: 'yesterday' }, new Date())).toThrow(
      /"yesterday" is not a date/,
    );
    expect(() => logicalDateOf({ scheduledTime: 'soon' }, new Date())).toThrow(
      /scheduledTime "soon" is not a time/,
    );
  });

  it('lists the enabled resources of the environment, or of the sources asked for', async () => {
    process.env.PIPELINE_SOURCES = 'fakestore,gfn';
    const all = await handler({ batchId: 'run-1', input: { logicalDate: '2026-11-01' } });
    expect(all.batchId).toBe('run-1');
    expect(all.resources).toContainEqual({ source: 'gfn', resource: 'countries' });
    expect(all.resources).toContainEqual({ source: 'fakestore', resource: 'carts' });
    const one = await handler({
      batchId: 'run-2',
      input: { logicalDate: '2026-11-01', sources: ['fakestore'] },
    });
    expect(new Set(one.resources.map((item) => item.source))).toEqual(new Set(['fakestore']));
  });

  it('runs only the resources named, including ones off by default, and names the ones there are otherwise', async () => {
    process.env.PIPELINE_SOURCES = 'gfn,fakestore';
    const planned = await handler({ batchId: 'run-3', input: { resources: ['carts', 'country_footprint'] } });
    expect(planned.resources).toEqual([
      { source: 'gfn', resource: 'country_footprint' },
      { source: 'fakestore', resource: 'carts' },
    ]);
    await expect(
      handler({ batchId: 'run-4', input: { sources: ['fakestore'], resources: ['cart'] } }),
    ).rejects.toThrow(
      /resource cart is not a resource of fakestore.*choose among fakestore\/products, fakestore\/users, fakestore\/carts/,
    );
  });

  it('refuses a source the environment does not run, naming the ones it does', async () => {
    process.env.PIPELINE_SOURCES = 'fakestore';
    await expect(handler({ batchId: 'run-1', input: { sources: ['gfn'] } })).rejects.toThrow(
      /source gfn is not enabled in this environment.*choose among fakestore/,
    );
  });

  it('says what input it takes when the run input is malformed', async () => {
    process.env.PIPELINE_SOURCES = 'fakestore';
    await expect(handler({ batchId: 'run 1', input: {} })).rejects.toThrow(
      /the run input is invalid: batchId/,
    );
    await expect(handler({ batchId: 'run-1', input: { sources: 'gfn' } as never })).rejects.toThrow(
      /start the run with \{\}/,
    );
  });

  it('plans a backfill of the resources that can fetch a past day, and refuses one of none', async () => {
    process.env.PIPELINE_SOURCES = 'fakestore,gfn,events_apikey';
    const backfill = await handler({
      batchId: 'run-3',
      input: { logicalDate: '2020-01-02', backfill: true },
    });
    expect(backfill).toEqual({
      batchId: 'run-3',
      logicalDate: '2020-01-02',
      resources: [{ source: 'fakestore', resource: 'carts' }],
      backfill: true,
    });
    const daily = await handler({ batchId: 'run-4', input: { logicalDate: '2020-01-02' } });
    expect(daily.backfill).toBe(false);
    await expect(
      handler({ batchId: 'run-5', input: { logicalDate: '2020-01-02', backfill: true, sources: ['gfn'] } }),
    ).rejects.toThrow(/none of gfn\/countries, .* can fetch a past day.*backfill one of fakestore\/carts/s);
  });
});
