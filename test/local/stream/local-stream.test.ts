import { gunzipSync } from 'node:zlib';
import { listKeys, readObjectBytes } from '../../support/environment';
import { LocalStream, startLocalStream } from '../../support/local-stream';

const event = (n: number, overrides: Record<string, unknown> = {}) => ({
  id: `evt_${String(n).padStart(6, '0')}`,
  type: 'purchase',
  user_id: `user_${n}`,
  amount: 12.5,
  currency: 'EUR',
  occurred_at: '2026-11-22T06:00:00Z',
  updated_at: '2026-11-22T06:00:00Z',
  context: { browser: 'Firefox', page: { path: '/checkout', referrer: null } },
  tags: ['web'],
  ...overrides,
});

describe('POST /events, locally', () => {
  let stream: LocalStream;
  let sent = 0;
  let acceptedTotal = 0;
  let rejectedTotal = 0;

  beforeAll(async () => {
    stream = await startLocalStream({ maxBytes: 4096, maxDelayMs: 200 });
  });
  afterAll(() => stream.stop());

  async function post(body: string, contentType = 'application/json') {
    const response = await fetch(stream.server.url, {
      method: 'POST',
      headers: { 'content-type': contentType },
      body,
    });
    const answer = (await response.json()) as {
      accepted: number;
      rejected: number;
      results?: Array<{ status: string; reasons?: Array<{ field: string; rule: string }> }>;
      error?: string;
    };
    return { status: response.status, answer };
  }
  const postEvents = async (events: unknown[]) => {
    sent += events.length;
    const result = await post(JSON.stringify(events));
    acceptedTotal += result.answer.accepted;
    rejectedTotal += result.answer.rejected;
    return result;
  };

  it('accepts a single event and a batch with 200 and a result per event', async () => {
    sent += 1;
    const single = await post(JSON.stringify(event(1)));
    acceptedTotal += single.answer.accepted;
    expect(single).toMatchObject({ status: 200, answer: { accepted: 1, rejected: 0 } });
    const batch = await postEvents(Array.from({ length: 120 }, (_, n) => event(n + 2)));
    expect(batch.status).toBe(200);
    expect(batch.answer.accepted).toBe(120);
    expect(batch.answer.results).toHaveLength(120);
  });

  it('answers 207 for a mixed batch: each refused event with its reasons, the others accepted', async () => {
    const mixed = await postEvents([
      event(200),
      event(201, { id: null }),
      event(202, { type: 'teleport' }),
      event(203, { occurred_at: 'yesterday' }),
      event(204, { amount: -3 }),
      'not an event',
    ]);
    expect(mixed.status).toBe(207);
    expect(mixed.answer).toMatchObject({ accepted: 1, rejected: 5 });
    const reasons = mixed.answer
      .results!.filter((result) => result.status === 'rejected')
      .map((result) => result.reasons![0]!.field);
    expect(reasons).toEqual(['id', 'type', 'occurred_at', 'amount', '']);
  });

  it('keeps hostile strings as data, never as code', async () => {
    const hostile = await postEvents([
      event(300, { user_id: "'); drop table raw.stream__events; --" }),
      event(301, {
        context: { browser: '<script>alert(1)</script>', page: { path: '/ü/𝄞/\u0000', referrer: null } },
      }),
      event(302, { id: 'x'.repeat(65) }),
    ]);
    expect(hostile.status).toBe(207);
    expect(hostile.answer).toMatchObject({ accepted: 2, rejected: 1 });
  });

  it('refuses bodies it cannot read with 400, 413 and 415, and never answers 5xx for them', async () => {
    expect(await post('{"id": ')).toMatchObject({
      status: 400,
      answer: { error: expect.stringMatching(/not JSON/) },
    });
    expect(await post('[]')).toMatchObject({ status: 400, answer: { error: 'no events in the body' } });
    expect(await post(JSON.stringify(Array.from({ length: 501 }, (_, n) => event(n))))).toMatchObject({
      status: 400,
    });
    expect(await post(JSON.stringify([event(1, { description: 'x'.repeat(1024 * 1024) })]))).toMatchObject({
      status: 413,
    });
    expect(await post(JSON.stringify(event(1)), 'text/plain')).toMatchObject({ status: 415 });
  });

  it('lands every accepted event in DuckDB exactly once, and every refused one in the failed bucket with its reason', async () => {
    await stream.firehose.flush();
    await stream.snowpipe.refresh();
    expect(acceptedTotal + rejectedTotal).toBe(sent);
    const rows = await stream.warehouse.rows('select id, count(*) as n from raw.stream__events group by id');
    expect(rows).toHaveLength(acceptedTotal);
    expect(rows.every((row) => Number(row.n) === 1)).toBe(true);
    const hostile = await stream.warehouse.rows(
      "select user_id from raw.stream__events where id = 'evt_000300'",
    );
    expect(hostile).toEqual([{ user_id: "'); drop table raw.stream__events; --" }]);
    expect(stream.firehose.objects.length).toBeGreaterThan(1); // flushed by size as well as at the end

    const rejectKeys = await listKeys(stream.s3, 'failed', 'stream/');
    const rejected = (
      await Promise.all(
        rejectKeys.map(async (key) =>
          gunzipSync(await readObjectBytes(stream.s3, 'failed', key))
            .toString('utf8')
            .trim()
            .split('\n'),
        ),
      )
    )
      .flat()
      .map((line) => JSON.parse(line) as { index: number; event: unknown; reasons: Array<{ rule: string }> });
    expect(rejected).toHaveLength(rejectedTotal);
    expect(rejected.every((line) => line.reasons.length > 0)).toBe(true);
  });
});
