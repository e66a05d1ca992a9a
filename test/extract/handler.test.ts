import { handler, resetContainer } from '../../lambdas/extract/handler';
import { clearTokenCache } from '../../lambdas/extract/http/auth';
import { logger } from '../../lambdas/shared/logger';
import { fixtureCredentials } from '../../local/fixture-api/server';
import {
  listKeys,
  RAW_BUCKET,
  setHandlerEnvironment,
  startTestEnvironment,
  TestEnvironment,
} from '../support/environment';

const lambdaContext = (remainingMs: number) => ({ getRemainingTimeInMillis: () => remainingMs });

describe('extract handler', () => {
  let env: TestEnvironment;
  let restoreEnvironment: () => void;

  beforeAll(async () => {
    env = await startTestEnvironment({ eventCount: 2500 });
    restoreEnvironment = setHandlerEnvironment(env);
    resetContainer();
  });
  afterAll(async () => {
    restoreEnvironment();
    resetContainer();
    await env.close();
  });

  it('lands a gfn extract and answers with the page keys, counts and pending cursor', async () => {
    const result = await handler(
      { source: 'gfn', resource: 'footprint_by_year', batchId: 'exec-1', logicalDate: '2026-11-20' },
      lambdaContext(900_000),
    );
    expect(result).toMatchObject({
      source: 'gfn',
      resource: 'footprint_by_year',
      done: true,
      startCursor: 1990,
      pendingCursor: 2018,
    });
    // One page per year from the start cursor to the current year; 1990–2016 from the CSV, India to 2018.
    expect(result.pageKeys).toHaveLength(new Date().getUTCFullYear() - 1990 + 1);
    expect(result.pageKeys[0]).toBe(
      'gfn/footprint_by_year/dt=2026-11-20/batch=exec-1/partition=year-1990/page-00001.json.gz',
    );
    expect(result.records).toBeGreaterThan(25_000);
    expect(await listKeys(env.s3, RAW_BUCKET, 'gfn/footprint_by_year/dt=2026-11-20/batch=exec-1/')).toEqual(
      [...result.pageKeys, result.manifestKey].sort(),
    );
  });

  it('lands a fakestore extract and answers with the page keys, counts and pending cursor', async () => {
    const result = await handler({
      source: 'fakestore',
      resource: 'carts',
      batchId: 'exec-1',
      logicalDate: '2026-11-20',
    });
    expect(result).toMatchObject({
      done: true,
      pages: 1,
      records: 7,
      pageGroups: [{ index: 0, first: 0, count: 1 }],
      pageKeys: ['fakestore/carts/dt=2026-11-20/batch=exec-1/page-00001.json.gz'],
      startCursor: '2020-01-01T00:00:00.000Z',
      pendingCursor: '2020-03-02T00:00:00.000Z',
    });
  });

  it('hands back a continuation when out of time and finishes the same pages when called again', async () => {
    const event = {
      source: 'events_apikey',
      resource: 'events',
      batchId: 'exec-2',
      logicalDate: '2026-11-20',
    };
    const oneShot = await handler({ ...event, batchId: 'exec-one-shot' });

    // With less than the safety margin left, no page is started at all.
    const paused = await handler(event, lambdaContext(30_000));
    expect(paused).toMatchObject({ done: false, pages: 0, continuation: { nextPartition: 0, paused: [] } });

    const pageKeys: string[] = [];
    let result = await handler({ ...event, maxPagesPerInvocation: 1, continuation: paused.continuation });
    pageKeys.push(...result.pageKeys);
    let invocations = 1;
    while (!result.done) {
      result = await handler({ ...event, maxPagesPerInvocation: 1, continuation: result.continuation });
      pageKeys.push(...result.pageKeys);
      invocations += 1;
    }
    expect(invocations).toBe(oneShot.pages);
    expect(result.records).toBe(2500);
    expect(pageKeys.map((key) => key.replace('exec-2', 'exec-one-shot'))).toEqual(oneShot.pageKeys);
  });

  it('rejects an event with a bad field, naming it', async () => {
    await expect(
      handler({ source: 'gfn', resource: 'years', batchId: 'x', logicalDate: '20-11-2026' }),
    ).rejects.toThrow(/logicalDate: must be YYYY-MM-DD/);
    await expect(
      handler({ source: 'nope', resource: 'years', batchId: 'x', logicalDate: '2026-11-20' }),
    ).rejects.toThrow(/unknown source "nope".*events_apikey, events_oauth, fakestore, gfn/);
  });

  it('never writes a secret to the logs, even at DEBUG, on retries, token refreshes and failures', async () => {
    const output: string[] = [];
    const capture = (chunk: unknown) => {
      output.push(String(chunk));
      return true;
    };
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(capture);
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(capture);
    logger.setLogLevel('DEBUG');
    clearTokenCache();
    try {
      env.api.faults.add({ kind: 'expire_token', path: '/events-oauth/v1/events', after: 1 });
      env.api.faults.add({ kind: '503', path: '/events-apikey', times: 2 });
      await handler({
        source: 'events_oauth',
        resource: 'events',
        batchId: 'exec-3',
        logicalDate: '2026-11-20',
      });
      await handler({
        source: 'events_apikey',
        resource: 'events',
        batchId: 'exec-3',
        logicalDate: '2026-11-20',
      });
      process.env.GFN_API_KEY = 'a-wrong-key-that-must-not-leak';
      resetContainer();
      await expect(
        handler({ source: 'gfn', resource: 'years', batchId: 'exec-3', logicalDate: '2026-11-20' }),
      ).rejects.toThrow(/HTTP 403/);
    } finally {
      stdout.mockRestore();
      stderr.mockRestore();
      logger.setLogLevel('SILENT');
      process.env.GFN_API_KEY = fixtureCredentials.GFN_API_KEY;
      resetContainer();
    }
    const logged = output.join('');
    expect(logged).toContain('refreshing token once');
    expect(logged).toContain('retryable status, backing off');
    expect(logged).toContain('extract failed');
    const secrets = [...Object.values(fixtureCredentials), 'a-wrong-key-that-must-not-leak'];
    const basicHeaders = secrets.map((secret) => Buffer.from(`pipeline:${secret}`).toString('base64'));
    for (const secret of [...secrets, ...basicHeaders]) expect(logged).not.toContain(secret);
  });
});
