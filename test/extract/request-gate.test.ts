import { RequestGate } from '../../lambdas/extract/http/request-gate';
import { backoffDelayMs, retryAfterMs } from '../../lambdas/extract/http/backoff';

describe('request gate', () => {
  it('never has more requests in flight than the concurrency cap', async () => {
    const gate = new RequestGate({ concurrency: 3 });
    let inFlight = 0;
    let peak = 0;
    const task = async () => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight -= 1;
    };
    await Promise.all(Array.from({ length: 20 }, () => gate.run(task)));
    expect(peak).toBe(3);
  });

  it('spaces request starts to honour requests per minute', async () => {
    let clock = 1_000_000;
    const waits: number[] = [];
    const gate = new RequestGate({
      concurrency: 10,
      requestsPerMinute: 120,
      now: () => clock,
      sleep: async (ms) => {
        waits.push(ms);
        clock += ms;
      },
    });
    const starts: number[] = [];
    for (let index = 0; index < 4; index += 1) await gate.run(async () => void starts.push(clock));
    expect(starts.map((start) => start - starts[0]!)).toEqual([0, 500, 1000, 1500]);
    expect(waits).toEqual([500, 500, 500]);
  });
});

describe('backoff', () => {
  it('doubles the ceiling per attempt up to the cap', () => {
    const ceiling = (attempt: number) => backoffDelayMs(attempt, 100, 1000, () => 1);
    expect([1, 2, 3, 4, 5].map(ceiling)).toEqual([100, 200, 400, 800, 1000]);
    expect(backoffDelayMs(3, 100, 1000, () => 0.5)).toBe(200);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    expect(retryAfterMs('3')).toBe(3000);
    expect(retryAfterMs('Wed, 21 Oct 2026 07:28:05 GMT', Date.parse('Wed, 21 Oct 2026 07:28:00 GMT'))).toBe(
      5000,
    );
    expect(retryAfterMs('soon')).toBeUndefined();
    expect(retryAfterMs(null)).toBeUndefined();
  });
});
