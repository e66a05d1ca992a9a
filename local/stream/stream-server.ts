import { randomUUID } from 'node:crypto';
import { createServer, IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { answerHeaders, EventIngestor, MAX_BODY_BYTES } from '../../lambdas/ingest/ingest-events';

export interface StreamServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** Reads a body up to the limit; past it, stops reading and says so (the answer is 413, not a crash). */
function readBody(request: IncomingMessage): Promise<{ body: string; tooLarge: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES + 1) chunks.push(chunk);
    });
    request.on('end', () =>
      resolve({ body: Buffer.concat(chunks).toString('utf8'), tooLarge: size > MAX_BODY_BYTES }),
    );
    request.on('error', reject);
  });
}

/**
 * `POST /events` on loopback, answered by the same ingestion code as the Lambda behind API Gateway;
 * only where accepted events go differs (a local Firehose stand-in instead of Kinesis).
 */
export async function startStreamServer(ingestor: EventIngestor, port = 0): Promise<StreamServer> {
  const server = createServer(async (request, response) => {
    const answer = (statusCode: number, body: object) => {
      response.writeHead(statusCode, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (request.url?.split('?')[0] !== '/events')
      return answer(404, { error: 'POST your events to /events' });
    if (request.method !== 'POST') return answer(405, { error: 'use POST' });
    try {
      const { body, tooLarge } = await readBody(request);
      const key = request.headers['idempotency-key'];
      const result = await ingestor.ingest({
        contentType: request.headers['content-type'],
        body: tooLarge ? 'x'.repeat(MAX_BODY_BYTES + 1) : body,
        requestId: randomUUID(),
        idempotencyKey: Array.isArray(key) ? key.join(',') : key,
      });
      response.writeHead(result.statusCode, answerHeaders(result)).end(JSON.stringify(result.body));
    } catch (error) {
      // The ingestor answers every body itself; only the connection failing mid-body gets here.
      answer(400, { error: `the request body could not be read (${(error as Error).message})` });
    }
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`,
    server,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
