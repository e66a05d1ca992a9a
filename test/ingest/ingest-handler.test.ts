import { gunzipSync } from 'node:zlib';
import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { handler } from '../../lambdas/ingest/handler';
import { KinesisSink } from '../../lambdas/ingest/kinesis-sink';

const kinesis = mockClient(KinesisClient);
const s3 = mockClient(S3Client);
const event = (id: string) => ({
  id,
  type: 'signup',
  occurred_at: '2026-11-22T06:00:00Z',
  updated_at: '2026-11-22T06:00:00Z',
});

describe('the ingest Lambda', () => {
  const saved = { ...process.env };
  beforeEach(() => {
    kinesis.reset();
    s3.reset();
    process.env.STREAM_NAME = 'events';
    process.env.FAILED_BUCKET = 'failed';
  });
  afterAll(() => (process.env = saved));

  const request = (body: string, contentType = 'application/json', base64 = false) =>
    ({
      body: base64 ? Buffer.from(body).toString('base64') : body,
      isBase64Encoded: base64,
      headers: { 'Content-Type': contentType },
      requestContext: { requestId: 'req-1' },
    }) as unknown as APIGatewayProxyEvent;

  it('puts accepted events on the stream and refused ones in the failed bucket, answering 207', async () => {
    kinesis
      .on(PutRecordsCommand)
      .resolves({ FailedRecordCount: 0, Records: [{ SequenceNumber: '1', ShardId: 's' }] });
    s3.on(PutObjectCommand).resolves({});
    const answer = await handler(
      request(JSON.stringify([event('a'), { id: 'b' }]), 'application/json; charset=utf-8', true),
    );
    expect(answer.statusCode).toBe(207);
    expect(JSON.parse(answer.body)).toMatchObject({
      accepted: 1,
      rejected: 1,
      rejectsKey: expect.stringMatching(/^stream\/dt=\d{4}-\d{2}-\d{2}\/req-1\.jsonl\.gz$/),
    });
    const records = kinesis.commandCalls(PutRecordsCommand)[0]!.args[0].input.Records!;
    expect(records).toHaveLength(1);
    expect(JSON.parse(Buffer.from(records[0]!.Data!).toString('utf8'))).toMatchObject({
      id: 'a',
      _batch_id: 'req-1',
      _source_key: 'api:POST /events',
    });
    expect(s3.commandCalls(PutObjectCommand)[0]!.args[0].input.Bucket).toBe('failed');
  });

  it('refuses an event nested 10,000 levels deep with depth_limit and still streams the valid ones beside it', async () => {
    kinesis
      .on(PutRecordsCommand)
      .resolves({ FailedRecordCount: 0, Records: [{ SequenceNumber: '1' }, { SequenceNumber: '2' }] });
    s3.on(PutObjectCommand).resolves({});
    const deep = `${'{"x":'.repeat(10_000)}1${'}'.repeat(10_000)}`;
    const body = `[${JSON.stringify(event('a'))},{"id":"deep","nested":${deep}},${JSON.stringify(event('c'))}]`;
    const answer = await handler(request(body));
    expect(answer.statusCode).toBe(207);
    expect(JSON.parse(answer.body)).toMatchObject({
      accepted: 2,
      rejected: 1,
      results: [
        { index: 0, status: 'accepted' },
        {
          index: 1,
          id: 'deep',
          status: 'rejected',
          reasons: [{ rule: 'depth_limit', field: 'nested.x.x.x.x' }],
        },
        { index: 2, status: 'accepted' },
      ],
    });
    expect(kinesis.commandCalls(PutRecordsCommand)[0]!.args[0].input.Records).toHaveLength(2);
    const stored = gunzipSync(s3.commandCalls(PutObjectCommand)[0]!.args[0].input.Body as Buffer).toString(
      'utf8',
    );
    expect(stored).toContain('deeper than 100 levels');
  });

  it('refuses text that is not valid Unicode (a lone surrogate, in a value or a key) with invalid_unicode', async () => {
    kinesis.on(PutRecordsCommand).resolves({ FailedRecordCount: 0, Records: [{ SequenceNumber: '1' }] });
    s3.on(PutObjectCommand).resolves({});
    const body = `[{"id":"a\\ud800","type":"signup"},{"id":"b","\\udfff":1},${JSON.stringify(event('c'))}]`;
    const answer = await handler(request(body));
    const reply = JSON.parse(answer.body) as {
      results: Array<{ status: string; reasons?: Array<{ rule: string }> }>;
    };
    expect(reply.results.map((result) => result.reasons?.[0]?.rule ?? result.status)).toEqual([
      'invalid_unicode',
      'invalid_unicode',
      'accepted',
    ]);
  });

  it('answers 503, safe to retry, when the stream cannot take the events, after storing the refusals', async () => {
    kinesis.on(PutRecordsCommand).rejects(new Error('Kinesis is unavailable'));
    s3.on(PutObjectCommand).resolves({});
    const answer = await handler(request(JSON.stringify([event('a'), { id: 'b' }])));
    expect(answer.statusCode).toBe(503);
    expect(JSON.parse(answer.body)).toMatchObject({
      accepted: 0,
      error: expect.stringContaining('retry the request'),
    });
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(1);
  });

  it('remembers a request sent with an Idempotency-Key in the failed bucket, and answers its retry from there', async () => {
    kinesis.on(PutRecordsCommand).resolves({ FailedRecordCount: 0, Records: [{ SequenceNumber: '1' }] });
    s3.on(PutObjectCommand).resolves({ ETag: '"claim"' });
    const withKey = {
      ...request(JSON.stringify(event('a'))),
      headers: { 'Content-Type': 'application/json', 'Idempotency-Key': 'k-1' },
    };
    const first = await handler(withKey as APIGatewayProxyEvent);
    expect(first.statusCode).toBe(200);
    const writes = s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input);
    expect(writes.map((input) => [input.Bucket, input.IfNoneMatch, input.IfMatch])).toEqual([
      ['failed', '*', undefined],
      ['failed', undefined, '"claim"'],
    ]);
    expect(writes[0]!.Key).toMatch(/^stream\/requests\/[0-9a-f]{64}\.json$/);
    const recorded = JSON.parse(String(writes[1]!.Body)) as { state: string; answer: unknown };
    expect(recorded.state).toBe('answered');

    // The retry: the key is taken, its record holds the answer; nothing goes to Kinesis again.
    kinesis.resetHistory();
    s3.reset();
    s3.on(PutObjectCommand).rejects(
      Object.assign(new Error('PreconditionFailed'), { $metadata: { httpStatusCode: 412 } }),
    );
    s3.on(GetObjectCommand).resolves({
      ETag: '"answered"',
      Body: { transformToString: async () => JSON.stringify(recorded) },
    } as never);
    const retry = await handler(withKey as APIGatewayProxyEvent);
    expect(retry.headers).toMatchObject({ 'idempotent-replayed': 'true' });
    expect(JSON.parse(retry.body)).toEqual(JSON.parse(first.body));
    expect(kinesis.commandCalls(PutRecordsCommand)).toHaveLength(0);
  });

  it('answers 415 to a body that is not JSON content, touching nothing', async () => {
    const answer = await handler(request('id=1', 'application/x-www-form-urlencoded'));
    expect(answer.statusCode).toBe(415);
    expect(kinesis.commandCalls(PutRecordsCommand)).toHaveLength(0);
  });
});

describe('the Kinesis sink', () => {
  it('sends again only the records Kinesis refused, and fails once they are still refused at the last attempt', async () => {
    kinesis.reset();
    kinesis
      .on(PutRecordsCommand)
      .resolvesOnce({
        FailedRecordCount: 1,
        Records: [
          { SequenceNumber: '1' },
          { ErrorCode: 'ProvisionedThroughputExceededException' },
          { SequenceNumber: '3' },
        ],
      })
      .resolves({ FailedRecordCount: 0, Records: [{ SequenceNumber: '4' }] });
    const sink = new KinesisSink(new KinesisClient({}), 'events', 4, async () => undefined);
    await sink.put(['a', 'b', 'c'].map((id) => ({ partitionKey: id, line: `{"id":"${id}"}` })));
    const calls = kinesis.commandCalls(PutRecordsCommand);
    expect(calls.map((call) => call.args[0].input.Records!.map((record) => record.PartitionKey))).toEqual([
      ['a', 'b', 'c'],
      ['b'],
    ]);

    kinesis.reset();
    kinesis
      .on(PutRecordsCommand)
      .resolves({ FailedRecordCount: 1, Records: [{ ErrorCode: 'InternalFailure' }] });
    await expect(
      new KinesisSink(new KinesisClient({}), 'events', 3, async () => undefined).put([
        { partitionKey: 'x', line: '{}' },
      ]),
    ).rejects.toThrow('Kinesis refused 1 record(s) after 3 attempts (InternalFailure)');
  });
});
