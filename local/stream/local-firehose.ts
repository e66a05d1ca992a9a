import { gzipSync } from 'node:zlib';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { EventSink, StreamRecord } from '../../lambdas/ingest/ingest-events';

export interface LocalFirehoseOptions {
  s3: S3Client;
  bucket: string;
  /** Flush once this many bytes are buffered (Firehose: buffering size). @default 1 MiB */
  maxBytes?: number;
  /** Flush at the latest this long after the first buffered event (Firehose: buffering interval). @default 5 s */
  maxDelayMs?: number;
}

/**
 * Kinesis and Firehose on this machine: accepted rows are buffered and written, by size or interval,
 * as gzip JSON lines under `stream/events/dt=<day>/` of the transformed bucket, where the local
 * Snowpipe picks them up, as Firehose delivers to S3 in AWS.
 */
export class LocalFirehose implements EventSink {
  private buffer: string[] = [];
  private bytes = 0;
  private timer?: NodeJS.Timeout;
  private written = 0;
  private flushing: Promise<void> = Promise.resolve();
  readonly objects: string[] = [];

  constructor(private readonly options: LocalFirehoseOptions) {}

  async put(records: StreamRecord[]): Promise<void> {
    for (const { line } of records) {
      this.buffer.push(line);
      this.bytes += Buffer.byteLength(line) + 1;
    }
    if (this.bytes >= (this.options.maxBytes ?? 1024 * 1024)) await this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.options.maxDelayMs ?? 5000);
  }

  /** Writes what is buffered now (one object), after any write already under way. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const lines = this.buffer;
    this.buffer = [];
    this.bytes = 0;
    if (!lines.length) return this.flushing;
    this.flushing = this.flushing.then(async () => {
      const now = new Date();
      this.written += 1;
      const stamp = now.toISOString().replace(/[-:.]/g, '');
      const key = `stream/events/dt=${now.toISOString().slice(0, 10)}/events-${stamp}-${String(this.written).padStart(5, '0')}.jsonl.gz`;
      await this.options.s3.send(
        new PutObjectCommand({
          Bucket: this.options.bucket,
          Key: key,
          Body: gzipSync(`${lines.join('\n')}\n`),
        }),
      );
      this.objects.push(key);
    });
    return this.flushing;
  }
}
