import { S3Client } from '@aws-sdk/client-s3';
import { traced } from './tracer';

/**
 * The S3 client every handler uses. Locally only the endpoint changes (`AWS_ENDPOINT_URL_S3`, e.g. an
 * s3rver on loopback), with path-style addressing because a local endpoint has no bucket subdomains.
 */
export function createS3Client(env: NodeJS.ProcessEnv = process.env): S3Client {
  const endpoint = env.AWS_ENDPOINT_URL_S3;
  if (!endpoint) return traced(new S3Client({}));
  return traced(
    new S3Client({
      endpoint,
      forcePathStyle: true,
      region: env.AWS_REGION ?? 'us-east-1',
      // A local endpoint accepts any credentials; real ones are never needed or read for it.
      credentials: {
        accessKeyId: env.AWS_ACCESS_KEY_ID ?? 'S3RVER',
        secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? 'S3RVER',
      },
    }),
  );
}
