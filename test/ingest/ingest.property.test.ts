import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { gunzipSync } from 'node:zlib';
import { mockClient } from 'aws-sdk-client-mock';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import fc from 'fast-check';
import { handler } from '../../lambdas/ingest/handler';
import { body, contentType, eventsIn } from '../support/arbitrary-requests';

/** Bodies per property; INGEST_FUZZ_RUNS=2000 tries more. */
const RUNS = Number(process.env.INGEST_FUZZ_RUNS ?? 150);

const kinesis = mockClient(KinesisClient);
const s3 = mockClient(S3Client);

const request = (body: string, contentType: string, base64 = false) =>
  ({
    body: base64 ? Buffer.from(body, 'latin1').toString('base64') : body,
    isBase64Encoded: base64,
    headers: { 'Content-Type': contentType },
    requestContext: { requestId: 'fuzz' },
  }) as unknown as APIGatewayProxyEvent;

describe('POST /events, fuzzed at the Lambda handler (Kinesis and S3 mocked at the SDK edge)', () => {
  const saved = { ...process.env };
  beforeAll(() => {
    process.env.STREAM_NAME = 'events';
    process.env.FAILED_BUCKET = 'failed';
  });
  afterAll(() => (process.env = saved));

  it('never answers a 5xx for any body, counts every event once, and streams exactly the accepted ones', async () => {
    await fc.assert(
      fc.asyncProperty(body, contentType, fc.boolean(), async (text, type, base64) => {
        kinesis.reset();
        s3.reset();
        kinesis.on(PutRecordsCommand).callsFake((input: { Records: unknown[] }) => ({
          FailedRecordCount: 0,
          Records: input.Records.map((_, index) => ({ SequenceNumber: String(index), ShardId: 's' })),
        }));
        s3.on(PutObjectCommand).resolves({});

        const answer = await handler(request(text, type, base64));
        expect(answer.statusCode).toBeLessThan(500);
        const reply = JSON.parse(answer.body) as {
          accepted: number;
          rejected: number;
          results?: Array<{ index: number; status: string; reasons?: unknown[] }>;
        };
        const streamed = kinesis
          .commandCalls(PutRecordsCommand)
          .flatMap((call) => call.args[0].input.Records!)
          .map((record) => JSON.parse(Buffer.from(record.Data!).toString('utf8')) as Record<string, unknown>);
        if (answer.statusCode >= 400) {
          // Refused whole: nothing reached the stream or the failed bucket.
          expect(streamed).toEqual([]);
          return;
        }
        const sent = eventsIn(base64 ? Buffer.from(text, 'latin1').toString('utf8') : text)!;
        expect(reply.accepted + reply.rejected).toBe(sent.length);
        expect(reply.results!.map((result) => result.index)).toEqual(sent.map((_, index) => index));
        // The stream holds exactly the accepted events, in order, with their values as sent.
        const accepted = reply.results!.filter((result) => result.status === 'accepted');
        expect(streamed).toHaveLength(accepted.length);
        accepted.forEach((result, position) => {
          const event = sent[result.index] as Record<string, unknown>;
          expect(streamed[position]).toMatchObject({ id: event.id, type: event.type });
          // Numeric equality: JSON writes -0 as 0, the same number.
          if (typeof event.amount === 'number')
            expect(streamed[position]!.amount === event.amount).toBe(true);
        });
        // Every refused event is in the failed bucket with its reasons.
        const refused = reply.results!.filter((result) => result.status === 'rejected');
        for (const result of refused) expect(result.reasons!.length).toBeGreaterThan(0);
        const stored = s3.commandCalls(PutObjectCommand).flatMap((call) =>
          gunzipSync(call.args[0].input.Body as Buffer)
            .toString('utf8')
            .trim()
            .split('\n'),
        );
        expect(stored).toHaveLength(refused.length ? refused.length : 0);
      }),
      { numRuns: RUNS },
    );
  }, 120_000);
});
