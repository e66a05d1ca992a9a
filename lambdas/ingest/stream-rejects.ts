import { gzipSync } from 'node:zlib';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { RejectStore } from './ingest-events';

/** Refused events in the failed bucket: `stream/dt=<day>/<request id>.jsonl.gz`, one line per event with its reasons. */
export class S3RejectStore implements RejectStore {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  async put(
    rejects: Parameters<RejectStore['put']>[0],
    requestId: string,
    receivedAt: Date,
  ): Promise<string> {
    const key = `stream/dt=${receivedAt.toISOString().slice(0, 10)}/${requestId.replace(/[^A-Za-z0-9_.-]/g, '_')}.jsonl.gz`;
    const lines = rejects
      .map((reject) => JSON.stringify({ ...reject, receivedAt: receivedAt.toISOString() }))
      .join('\n');
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: gzipSync(`${lines}\n`),
        ContentType: 'application/x-ndjson',
        ContentEncoding: 'gzip',
      }),
    );
    return key;
  }
}
