import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { S3Client } from '@aws-sdk/client-s3';
import fc from 'fast-check';
import { EventIngestor } from '../../lambdas/ingest/ingest-events';
import { S3RejectStore } from '../../lambdas/ingest/stream-rejects';
import { createS3Client } from '../../lambdas/shared/s3-client';
import { loadContracts } from '../../lambdas/validate/contract';
import { LocalS3, startLocalS3 } from '../../local/local-s3';
import { LocalFirehose } from '../../local/stream/local-firehose';
import { startStreamServer, StreamServer } from '../../local/stream/stream-server';
import { LocalSnowpipe } from '../../local/warehouse/local-snowpipe';
import { LocalWarehouse } from '../../local/warehouse/warehouse';
import { body, contentType, eventsIn } from '../support/arbitrary-requests';
import { readObjectBytes } from '../support/environment';

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
  const directory = mkdtempSync(join(tmpdir(), 'serve-fuzz-'));
  let localS3: LocalS3;
  let s3: S3Client;
  let warehouse: LocalWarehouse;
  let snowpipe: LocalSnowpipe;
  let firehose: LocalFirehose;
  let server: StreamServer;
  const loadProblems: string[] = [];

  beforeAll(async () => {
    localS3 = await startLocalS3({ directory: join(directory, 's3'), buckets: ['transformed', 'failed'] });
    s3 = createS3Client({ AWS_ENDPOINT_URL_S3: localS3.endpoint });
    warehouse = await LocalWarehouse.open(join(directory, 'warehouse.duckdb'));
    snowpipe = new LocalSnowpipe(s3, 'transformed', warehouse, { report: (line) => loadProblems.push(line) });
    snowpipe.attach(localS3);
    firehose = new LocalFirehose({ s3, bucket: 'transformed', maxBytes: 256 * 1024, maxDelayMs: 60_000 });
    server = await startStreamServer(new EventIngestor(contract, firehose, new S3RejectStore(s3, 'failed')));
  });
  afterAll(async () => {
    await server.close();
    warehouse.close();
    s3.destroy();
    await localS3.stop();
    rmSync(directory, { recursive: true, force: true });
  });

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
          const response = await fetch(server.url, {
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
            const lines = gunzipSync(await readObjectBytes(s3, 'failed', reply.rejectsKey!))
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

    await firehose.flush();
    await snowpipe.refresh();
    // Every file the stream wrote loads: nothing accepted poisons the warehouse.
    expect(loadProblems).toEqual([]);
    const rows = await warehouse.rows(
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
