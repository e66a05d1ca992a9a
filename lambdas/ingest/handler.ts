import { KinesisClient } from '@aws-sdk/client-kinesis';
import { poweredHandler } from '../shared/powered-handler';
import { traced } from '../shared/tracer';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { logger } from '../shared/logger';
import { createS3Client } from '../shared/s3-client';
import { loadContracts } from '../contracts/contract';
import { answerHeaders, EventIngestor } from './ingest-events';
import { RequestRecords } from './request-records';
import { KinesisSink } from './kinesis-sink';
import { S3RejectStore } from './stream-rejects';
import { requiredEnv } from '../shared/required-env';

let ingestor: EventIngestor | undefined;

function containerIngestor(): EventIngestor {
  if (ingestor) return ingestor;
  const s3 = createS3Client();
  const failedBucket = requiredEnv('FAILED_BUCKET');
  ingestor = new EventIngestor(
    loadContracts().get('stream/events')!,
    new KinesisSink(traced(new KinesisClient({})), requiredEnv('STREAM_NAME')),
    new S3RejectStore(s3, failedBucket),
    // Requests sent with an Idempotency-Key are remembered beside the refusals, in the function's own prefix.
    { requestRecords: new RequestRecords(s3, failedBucket) },
  );
  return ingestor;
}

/** API Gateway (REST, proxy integration) → the ingestion shared with local mode. */
async function handle(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const headers = Object.fromEntries(
    Object.entries(event.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]),
  );
  const body =
    event.isBase64Encoded && event.body
      ? Buffer.from(event.body, 'base64').toString('utf8')
      : (event.body ?? '');
  const answer = await containerIngestor().ingest({
    contentType: headers['content-type'],
    body,
    requestId: event.requestContext?.requestId ?? `local-${Date.now()}`,
    idempotencyKey: headers['idempotency-key'],
  });
  logger.info('events ingested', {
    status: answer.statusCode,
    accepted: answer.body.accepted,
    rejected: answer.body.rejected,
  });
  return {
    statusCode: answer.statusCode,
    headers: answerHeaders(answer),
    body: JSON.stringify(answer.body),
  };
}

/** The Lambda entry: the step, with the invocation's context in its logs and a cold-start metric. */
export const handler = poweredHandler(handle);
