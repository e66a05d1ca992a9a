import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import fc from 'fast-check';
import { EventIngestor, IngestAnswer, StreamRecord } from '../../lambdas/ingest/ingest-events';
import { IN_PROGRESS_SECONDS, RequestRecords } from '../../lambdas/ingest/request-records';
import { S3RejectStore } from '../../lambdas/ingest/stream-rejects';
import { createS3Client } from '../../lambdas/shared/s3-client';
import { loadContracts } from '../../lambdas/contracts/contract';
import { LocalS3, startLocalS3 } from '../../local/local-s3';
import { startStreamServer } from '../../local/stream/stream-server';
import { streamEvent as event } from '../support/local-stream';

const contract = loadContracts().get('stream/events')!;

describe('Idempotency-Key: a retried request is answered again, never stored again', () => {
  const directory = mkdtempSync(join(tmpdir(), 'idempotency-'));
  let localS3: LocalS3;
  let s3: S3Client;
  beforeAll(async () => {
    localS3 = await startLocalS3({ directory: join(directory, 's3'), buckets: ['failed'] });
    s3 = createS3Client({ AWS_ENDPOINT_URL_S3: localS3.endpoint });
  });
  afterAll(async () => {
    s3.destroy();
    await localS3.stop();
    rmSync(directory, { recursive: true, force: true });
  });

  /** An ingestor over the local S3 whose stream is a list; `stream.fail` or `stream.hold` misbehave on purpose. */
  function pipeline(clock = { now: new Date('2026-12-04T06:00:00Z') }) {
    const stream = {
      lines: [] as string[],
      fail: false,
      hold: undefined as Promise<void> | undefined,
      async put(records: StreamRecord[]) {
        await stream.hold;
        if (stream.fail) throw new Error('Kinesis refused 1 record(s) after 4 attempts');
        stream.lines.push(...records.map((record) => record.line));
      },
    };
    let n = 0;
    const ingestor = new EventIngestor(contract, stream, new S3RejectStore(s3, 'failed'), {
      now: () => clock.now,
      requestRecords: new RequestRecords<IngestAnswer>(s3, 'failed', () => clock.now),
    });
    const send = (body: unknown, idempotencyKey?: string) =>
      ingestor.ingest({
        contentType: 'application/json',
        body: JSON.stringify(body),
        requestId: `req-${(n += 1)}`,
        idempotencyKey,
      });
    return { stream, send, ingestor, clock };
  }

  it('answers a retry with the first answer, marked replayed, and streams its events once', async () => {
    const { stream, send } = pipeline();
    const first = await send([event('a'), { id: 'b' }], 'order-1');
    const retry = await send([event('a'), { id: 'b' }], 'order-1');
    expect(first).toMatchObject({ statusCode: 207, body: { requestId: 'req-1', accepted: 1, rejected: 1 } });
    expect(retry).toEqual({ ...first, replayed: true });
    expect(stream.lines).toHaveLength(1);
    // Without a key, the same body is a new request.
    expect((await send([event('a')])).replayed).toBeUndefined();
    expect(stream.lines).toHaveLength(2);
  });

  it('refuses the same key with another body (422), storing nothing', async () => {
    const { stream, send } = pipeline();
    await send([event('c')], 'order-2');
    const other = await send([event('d')], 'order-2');
    expect(other).toMatchObject({ statusCode: 422, body: { error: expect.stringMatching(/another body/) } });
    expect(stream.lines).toHaveLength(1);
  });

  it('frees the key when the request failed (503), so that the retry does the work', async () => {
    const { stream, send } = pipeline();
    stream.fail = true;
    expect((await send([event('e')], 'order-3')).statusCode).toBe(503);
    stream.fail = false;
    const retry = await send([event('e')], 'order-3');
    expect(retry).toMatchObject({ statusCode: 200, body: { accepted: 1 } });
    expect(retry.replayed).toBeUndefined();
    expect(stream.lines).toHaveLength(1);
  });

  it('answers 409 to a retry that races the first, then the first answer once it is there', async () => {
    const { stream, send } = pipeline();
    let release!: () => void;
    stream.hold = new Promise((resolve) => (release = resolve));
    const first = send([event('f')], 'order-4');
    await new Promise((resolve) => setTimeout(resolve, 100)); // the first has claimed the key
    expect(await send([event('f')], 'order-4')).toMatchObject({
      statusCode: 409,
      body: { error: expect.stringMatching(/in progress since .*retry in a few seconds/) },
    });
    release();
    expect((await first).statusCode).toBe(200);
    expect((await send([event('f')], 'order-4')).replayed).toBe(true);
    expect(stream.lines).toHaveLength(1);
  });

  it('takes over a key whose first request died in progress, once that is longer ago than any request lasts', async () => {
    const { stream, send, clock } = pipeline();
    stream.hold = new Promise(() => undefined); // never answers, like a Lambda that timed out
    void send([event('g')], 'order-5');
    await new Promise((resolve) => setTimeout(resolve, 100));
    stream.hold = undefined;
    clock.now = new Date(clock.now.getTime() + (IN_PROGRESS_SECONDS + 1) * 1000);
    expect(await send([event('g')], 'order-5')).toMatchObject({ statusCode: 200, body: { accepted: 1 } });
    expect(stream.lines).toHaveLength(1);
  });

  it('refuses a key that is not 1 to 255 visible ASCII characters with 400', async () => {
    const { send, stream } = pipeline();
    for (const key of ['', 'has space', 'ü', 'x'.repeat(256)])
      expect(await send([event('h')], key)).toMatchObject({
        statusCode: 400,
        body: { error: expect.stringMatching(/Idempotency-Key must be/) },
      });
    expect(stream.lines).toHaveLength(0);
  });

  it('reads the header over HTTP and says a replayed answer is one (Idempotent-Replayed: true)', async () => {
    const { ingestor, stream } = pipeline();
    const server = await startStreamServer(ingestor);
    try {
      const post = () =>
        fetch(server.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'Idempotency-Key': 'order-6' },
          body: JSON.stringify(event('i')),
        });
      const first = await post();
      const retry = await post();
      expect(first.headers.get('idempotent-replayed')).toBeNull();
      expect(retry.headers.get('idempotent-replayed')).toBe('true');
      expect(await retry.json()).toEqual(await first.json());
      expect(stream.lines).toHaveLength(1);
    } finally {
      await server.close();
    }
  });

  it('under any schedule of stream failures and lost answers, a producer retrying with its key gets each event stored once', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            events: fc.integer({ min: 1, max: 3 }),
            faults: fc.array(fc.constantFrom('fail', 'lost'), { maxLength: 4 }),
          }),
          {
            minLength: 1,
            maxLength: 5,
          },
        ),
        async (requests) => {
          run += 1;
          const { stream, send } = pipeline();
          const expected: string[] = [];
          for (const [index, request] of requests.entries()) {
            const events = Array.from({ length: request.events }, (_, n) => event(`r${run}-${index}-${n}`));
            expected.push(...events.map((sent) => sent.id));
            const key = `run-${run}-request-${index}`;
            // Each attempt: the stream fails (503), or the answer is lost on the way (the producer
            // never sees it and retries), until one attempt goes through and its answer arrives.
            let stored = false;
            for (const fault of request.faults) {
              stream.fail = fault === 'fail';
              const answer = await send(events, key);
              // Once an attempt went through, every later one is its answer again, whatever the stream does.
              expect(answer).toMatchObject(
                stored ? { statusCode: 200, replayed: true } : { statusCode: fault === 'fail' ? 503 : 200 },
              );
              stored ||= answer.statusCode === 200;
            }
            stream.fail = false;
            expect(await send(events, key)).toMatchObject({
              statusCode: 200,
              ...(stored ? { replayed: true } : {}),
            });
          }
          expect(stream.lines.map((line) => (JSON.parse(line) as { id: string }).id)).toEqual(expected);
        },
      ),
      { numRuns: 40 },
    );
  });
});
