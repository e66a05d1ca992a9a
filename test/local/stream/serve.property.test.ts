import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { loadContracts } from '../../../lambdas/contracts/contract';
import { body, contentType, eventsIn } from '../../support/arbitrary-requests';
import { readObjectBytes } from '../../support/environment';
import { LocalStream, startLocalStream } from '../../support/local-stream';

/** Requests per run; STREAM_FUZZ_RUNS=1000 tries more. */
const RUNS = Number(process.env.STREAM_FUZZ_RUNS ?? 120);

type Sent = Record<string, unknown>;

const contract = loadContracts().get('stream/events')!;
const declared = new Set(Object.keys(contract.schema.properties ?? {}));
/** JSON's view of a value: -0 is written 0, the same number. */
const asJson = (value: unknown) => JSON.parse(JSON.stringify(value)) as unknown;
const own = (event: Sent, field: string) => (Object.hasOwn(event, field) ? event[field] : undefined);

/** The RAW row an accepted event must have become: every value as sent, read back from DuckDB. */
function expectRowHolds(row: Record<string, unknown>, event: Sent): void {
  for (const field of ['id', 'type', 'user_id', 'currency'])
    expect(row[field]).toBe(own(event, field) ?? null);
  const amount = own(event, 'amount');
  expect(row.amount === (amount ?? null)).toBe(true);
  for (const field of ['occurred_at', 'updated_at'])
    expect((row[field] as Date).getTime()).toBe(Date.parse(own(event, field) as string));
  const context = (own(event, 'context') ?? {}) as Sent;
  const page = (own(context, 'page') ?? {}) as Sent;
  expect(row.context__browser).toBe(own(context, 'browser') ?? null);
  expect(row.context__page__path).toBe(own(page, 'path') ?? null);
  expect(row.context__page__referrer).toBe(own(page, 'referrer') ?? null);
  expect(row.tags === null ? undefined : JSON.parse(row.tags as string)).toEqual(own(event, 'tags'));
  // Undeclared top-level fields are in _extra, exactly as sent.
  const extra = row._extra === null ? {} : (JSON.parse(row._extra as string) as Sent);
  for (const field of Object.keys(event).filter((name) => !declared.has(name)))
    expect(asJson(own(extra, field))).toEqual(asJson(event[field]));
}

describe('POST /events, fuzzed over HTTP at the local server, then loaded into RAW', () => {
  let stream: LocalStream;
  beforeAll(async () => {
    stream = await startLocalStream({ maxBytes: 256 * 1024, maxDelayMs: 60_000 });
  });
  afterAll(() => stream.stop());

  it('never answers a 5xx for bad input, counts every event once, and RAW holds exactly the accepted events as sent', async () => {
    /** The accepted events of each 2xx request, by request id, in the order sent. */
    const acceptedByRequest = new Map<string, Sent[]>();
    await fc.assert(
      fc.asyncProperty(
        body,
        contentType,
        fc.constantFrom<BufferEncoding>('utf8', 'latin1'),
        async (text, type, encoding) => {
          const bytes = Buffer.from(text, encoding);
          const response = await fetch(stream.server.url, {
            method: 'POST',
            headers: type ? { 'content-type': type } : {},
            body: bytes,
          });
          expect(response.status).toBeLessThan(500);
          const reply = (await response.json()) as {
            requestId: string;
            accepted: number;
            rejected: number;
            results?: Array<{ index: number; status: string; reasons?: unknown[] }>;
            rejectsKey?: string;
          };
          if (response.status >= 400) {
            expect(reply).toMatchObject({ accepted: 0, rejected: 0, error: expect.any(String) });
            return;
          }
          const sent = eventsIn(bytes.toString('utf8'))!;
          expect(reply.accepted + reply.rejected).toBe(sent.length);
          expect(reply.results!.map((result) => result.index)).toEqual(sent.map((_, index) => index));
          const accepted = reply.results!.filter((result) => result.status === 'accepted');
          expect(accepted).toHaveLength(reply.accepted);
          acceptedByRequest.set(
            reply.requestId,
            accepted.map((result) => sent[result.index] as Sent),
          );
          // The refused ones are in the failed bucket, one line each, with their reasons.
          if (reply.rejected) {
            const lines = gunzipSync(await readObjectBytes(stream.s3, 'failed', reply.rejectsKey!))
              .toString('utf8')
              .trim()
              .split('\n')
              .map((line) => JSON.parse(line) as { index: number; reasons: unknown[] });
            expect(lines.map((line) => line.index)).toEqual(
              reply.results!.filter((result) => result.status === 'rejected').map((result) => result.index),
            );
            expect(lines.every((line) => line.reasons.length > 0)).toBe(true);
          } else expect(reply.rejectsKey).toBeUndefined();
        },
      ),
      { numRuns: RUNS },
    );

    await stream.firehose.flush();
    await stream.snowpipe.refresh();
    // Every file the stream wrote loads: nothing accepted poisons the warehouse.
    expect(stream.loadProblems).toEqual([]);
    const rows = await stream.warehouse.rows(
      'select * from raw.stream__events order by _file_name, _file_row_number',
    );
    const rowsByRequest = new Map<string, Array<Record<string, unknown>>>();
    for (const row of rows)
      rowsByRequest.set(String(row._batch_id), [...(rowsByRequest.get(String(row._batch_id)) ?? []), row]);
    const expected = [...acceptedByRequest].filter(([, events]) => events.length);
    expect(rowsByRequest.size).toBe(expected.length);
    if (process.env.STREAM_FUZZ_STATS) console.log(`${rows.length} rows from ${expected.length} requests`);
    for (const [requestId, events] of expected) {
      const loaded = rowsByRequest.get(requestId)!;
      expect(loaded).toHaveLength(events.length);
      events.forEach((event, position) => expectRowHolds(loaded[position]!, event));
    }
  }, 240_000);
});
