import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import type { LocalS3 } from '../local-s3';
import { LocalWarehouse, warehouseTableOf } from './warehouse';

interface S3EventRecord {
  eventName: string;
  s3: { bucket: { name: string }; object: { key: string } };
}

/**
 * Snowpipe, locally: every object created in the transformed bucket that is a table's Parquet part is
 * loaded into the warehouse's RAW layer, one file at a time, each file once. Like `ALTER PIPE …
 * REFRESH`, `refresh()` loads whatever the events missed.
 */
export class LocalSnowpipe {
  private queue: Promise<void> = Promise.resolve();
  private failure?: unknown;
  readonly loaded: Array<{ key: string; rows: number }> = [];

  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly warehouse: LocalWarehouse,
  ) {}

  /** Starts listening to the local S3 endpoint's object-created events. */
  attach(localS3: LocalS3): void {
    localS3.server.on('event', (event: { Records: Record<string, unknown>[] }) => {
      for (const record of event.Records as unknown as S3EventRecord[]) {
        if (record.s3.bucket.name !== this.bucket || !record.eventName.startsWith('ObjectCreated')) continue;
        this.deliver(decodeURIComponent(record.s3.object.key.replace(/\+/g, ' ')));
      }
    });
  }

  /** One notification: the file is queued, and loads unless it already has. */
  deliver(key: string): void {
    if (!warehouseTableOf(key)) return;
    this.queue = this.queue.then(async () => {
      try {
        const answer = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
        const rows = await this.warehouse.loadFile(key, await answer.Body!.transformToByteArray());
        if (rows > 0) this.loaded.push({ key, rows });
      } catch (error) {
        this.failure ??= error;
      }
    });
  }

  /** Queues every Parquet part in the bucket (already-loaded ones are skipped), then waits. */
  async refresh(): Promise<void> {
    let token: string | undefined;
    do {
      const page = await this.s3.send(
        new ListObjectsV2Command({ Bucket: this.bucket, ContinuationToken: token }),
      );
      for (const object of page.Contents ?? []) this.deliver(object.Key!);
      token = page.NextContinuationToken;
    } while (token);
    await this.drain();
  }

  /** Waits for every queued load; throws the first that failed. */
  async drain(): Promise<void> {
    await this.queue;
    if (this.failure !== undefined) throw this.failure;
  }
}
