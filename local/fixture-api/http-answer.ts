import type { ServerResponse } from 'node:http';
import type { bodyFaultKinds } from './faults';

/** What the fixture API answers: a status, a body and headers. */
export class HttpAnswer {
  constructor(
    readonly status: number,
    readonly body: Buffer | string,
    readonly headers: Record<string, string> = {},
  ) {}
}

export const json = (value: unknown, status = 200, headers: Record<string, string> = {}) =>
  new HttpAnswer(status, JSON.stringify(value), {
    'content-type': 'application/json; charset=utf-8',
    ...headers,
  });

/** An answer as it is, with its length. */
export function write(response: ServerResponse, answer: HttpAnswer): void {
  const body = Buffer.from(answer.body);
  response.writeHead(answer.status, { ...answer.headers, 'content-length': String(body.length) });
  response.end(body);
}

/** A 200 answer spoiled the ways real APIs spoil them. */
export function writeFaultyBody(
  response: ServerResponse,
  answer: HttpAnswer,
  kind: (typeof bodyFaultKinds)[number],
): void {
  const body = Buffer.from(answer.body);
  const half = body.subarray(0, Math.floor(body.length / 2));
  switch (kind) {
    case 'truncate':
      // Promises the whole body, sends half, and hangs up: the client sees a transport error.
      response.writeHead(answer.status, { ...answer.headers, 'content-length': String(body.length) });
      response.write(half, () => response.socket?.destroy());
      return;
    case 'cut_short':
      // Chunked, no length to compare, and a clean end: only parsing can tell the body is incomplete.
      response.writeHead(answer.status, { ...answer.headers, 'transfer-encoding': 'chunked' });
      response.end(half);
      return;
    case 'wrong_shape':
      write(response, json({ status: 'ok', message: 'this API now answers another shape' }));
      return;
    case 'html':
      write(
        response,
        new HttpAnswer(
          200,
          '<!DOCTYPE html><html><body><h1>Service temporarily unavailable</h1></body></html>',
          {
            'content-type': 'text/html; charset=utf-8',
          },
        ),
      );
      return;
    case 'empty':
      write(response, new HttpAnswer(200, '', { 'content-type': 'application/json' }));
      return;
  }
}
