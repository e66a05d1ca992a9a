import { PassThrough } from 'node:stream';
import { createGzip } from 'node:zlib';
import type { S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { Reason } from '../contracts/reasons';

/** One line of a reject file: the record untouched, why, and where it came from. */
export interface RejectLine {
  /** The record as received; for a page that could not be read, its text. */
  record: unknown;
  reasons: Reason[];
  sourceKey: string;
  /** 1-based page of the manifest and 0-based position of the record in it (absent for a whole page). */
  page: number;
  index?: number;
}

/**
 * Gzip JSONL of rejected records, streamed to the failed bucket; the file is only created when there
 * is something to put in it.
 */
export class RejectSink {
  private upload?: { gzip: ReturnType<typeof createGzip>; done: Promise<unknown> };
  private count = 0;

  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    readonly key: string,
  ) {}

  async add(line: RejectLine): Promise<void> {
    const upload = (this.upload ??= this.open());
    this.count += 1;
    if (!upload.gzip.write(`${JSON.stringify(line)}\n`))
      await new Promise((resolve) => upload.gzip.once('drain', resolve));
  }

  /** Finishes the upload; answers the key written, or none when nothing was rejected. */
  async close(): Promise<{ rejected: number; key?: string }> {
    if (!this.upload) return { rejected: 0 };
    this.upload.gzip.end();
    await this.upload.done;
    return { rejected: this.count, key: this.key };
  }

  private open() {
    // Level and no timestamp in the header keep the file byte-identical for the same rejects.
    const gzip = createGzip({ level: 6 });
    const body = new PassThrough();
    gzip.pipe(body);
    const done = new Upload({
      client: this.s3,
      params: {
        Bucket: this.bucket,
        Key: this.key,
        Body: body,
        ContentType: 'application/x-ndjson',
        ContentEncoding: 'gzip',
      },
    }).done();
    return { gzip, done };
  }
}
