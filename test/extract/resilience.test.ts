import { extractResource } from '../../lambdas/extract/extract-resource';
import { HttpStatusError, RateLimitError, TransportError } from '../../lambdas/shared/errors';
import { eventAt } from '../../local/fixture-api/events';
import type { FaultRule } from '../../local/fixture-api/faults';
import { readRawPage, startTestEnvironment, TestEnvironment } from '../support/environment';
import { eventsSource } from '../support/sources';

/** Every event id landed under the result's page keys, in page order. */
async function landedIds(env: TestEnvironment, pageKeys: string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const key of pageKeys) {
    const page = JSON.parse((await readRawPage(env.s3, key)).toString('utf8')) as {
      items: Array<{ id: string }>;
    };
    ids.push(...page.items.map((item) => item.id));
  }
  return ids;
}

const allIds = Array.from({ length: 1000 }, (_, index) => eventAt(index).id);

describe('extract under injected faults', () => {
  let env: TestEnvironment;
  beforeAll(async () => (env = await startTestEnvironment({ eventCount: 1000 })));
  afterAll(async () => env.close());
  beforeEach(() => {
    env.api.faults.clear();
    env.sleeps.length = 0;
  });

  const run = (batchId: string) =>
    extractResource(env.deps(), {
      source: eventsSource(env.api),
      resource: 'events',
      batchId,
      logicalDate: '2026-11-20',
    });

  const recoverable: Array<[string, FaultRule]> = [
    ['a 429 with Retry-After', { kind: '429', after: 3, times: 2, retryAfterSeconds: 2 }],
    ['a 500', { kind: '500', after: 1, times: 2 }],
    ['a 502', { kind: '502', after: 5, times: 1 }],
    ['a 503', { kind: '503', times: 3 }],
    ['a response slower than the timeout', { kind: 'slow', after: 2, times: 1, delayMs: 3000 }],
    ['a truncated body', { kind: 'truncate', after: 4, times: 2 }],
    ['a connection reset', { kind: 'reset', after: 6, times: 2 }],
  ];

  it.each(recoverable)('recovers from %s with every record exactly once', async (_name, fault) => {
    env.api.faults.add(fault);
    const result = await run(`b-${fault.kind}`);

    expect(env.api.faults.fired()).toEqual([{ kind: fault.kind, fired: fault.times ?? 1 }]);
    expect(result.retries).toBe(fault.times ?? 1);
    expect(result.records).toBe(1000);
    expect(await landedIds(env, result.pageKeys)).toEqual(allIds);
  });

  it('waits at least the Retry-After the API asked for before retrying a 429', async () => {
    env.api.faults.add({ kind: '429', times: 1, retryAfterSeconds: 7 });
    await run('b-retry-after');
    expect(env.sleeps).toEqual([7000]);
  });

  it('backs off exponentially with jitter between attempts', async () => {
    env.api.faults.add({ kind: '503', times: 3 });
    const source = eventsSource(env.api, { retry: { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 1000 } });
    await extractResource(env.deps({ random: () => 1 }), {
      source,
      resource: 'events',
      batchId: 'b-backoff',
      logicalDate: '2026-11-20',
    });
    // Full jitter's ceiling doubles each attempt: 100, 200, 400 (random() = 1 picks the ceiling).
    expect(env.sleeps).toEqual([100, 200, 400]);
  });

  it('fails with the status, the attempt count and the URL once the attempts run out', async () => {
    env.api.faults.add({ kind: '503', after: 2, times: Infinity });
    const failure = run('b-give-up');
    await expect(failure).rejects.toThrow(HttpStatusError);
    await expect(failure).rejects.toMatchObject({
      context: { status: 503, attempts: 4, url: expect.stringContaining('/v1/events?offset=200&limit=100') },
      message: expect.stringMatching(/HTTP 503 after 4 attempts\. Next step: /),
    });
  });

  it('fails with a rate-limit error that says what to change when 429s never stop', async () => {
    env.api.faults.add({ kind: '429', times: Infinity, retryAfterSeconds: 0 });
    await expect(run('b-429-forever')).rejects.toThrow(RateLimitError);
    await expect(run('b-429-forever')).rejects.toThrow(/lower rateLimit.requestsPerMinute/);
  });

  it('fails with a transport error naming the timeout when every attempt is too slow', async () => {
    env.api.faults.add({ kind: 'slow', after: 1, times: Infinity, delayMs: 3000 });
    const source = eventsSource(env.api, {
      timeoutMs: 200,
      retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 },
    });
    const failure = extractResource(env.deps(), {
      source,
      resource: 'events',
      batchId: 'b-slow',
      logicalDate: '2026-11-20',
    });
    await expect(failure).rejects.toThrow(TransportError);
    await expect(failure).rejects.toThrow(/timed out on every one of 2 attempts/);
  });
});
