import { Tracer } from '@aws-lambda-powertools/tracer';

/**
 * X-Ray through Powertools: each invocation a `## <handler>` subsegment (cold start and service
 * annotated, an error as metadata), each AWS SDK call a subsegment of it. Tracer switches itself off
 * outside Lambda (npm start, tests), where every call below is a no-op that returns its argument.
 * Responses are never added as metadata: a step's output is not X-Ray's to keep.
 */
export const tracer = new Tracer({ captureHTTPsRequests: true });

/** An AWS SDK v3 client whose calls appear in the invocation's trace. */
export function traced<Client>(client: Client): Client {
  return tracer.captureAWSv3Client(client);
}
