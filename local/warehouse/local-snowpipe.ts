import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import type { LocalS3 } from '../local-s3';
import { LocalWarehouse, warehouseTableOf } from './warehouse';
import type { PipelineWarehouse } from './pipeline-warehouse';

interface S3EventRecord {
  eventName: string;
  s3: { bucket: { name: string }; object: { key: string } };
}

/**
 * How the local Snowpipe reaches the warehouse for one round of loads. `npm start` holds it open for
 * its whole run; `npm run serve` opens it for each round and closes it after, so that `npm run sql`,
 * `npm run report` and `npm start` can take DuckDB's lock while it waits for events.
 */
export type WarehouseAccess = <T>(work: (warehouse: PipelineWarehouse) => Promise<T>) => Promise<T>;

/** Opens the warehouse at `path` for each round (waiting a while for another command's lock), closes it after. */
export function openForEachRound(path: string, waitForLockMs = 10_000): WarehouseAccess {
  return async (work) => {
    const warehouse = await LocalWarehouse.open(path, { waitForLockMs });
    try {
      return await work(warehouse);
    } finally {
      warehouse.close();
    }
  };
}

export interface LoadFailure {
  key: string;
  error: string;
}

export interface LocalSnowpipeOptions {
  /** Told at once of each file that failed to load, and of rounds the warehouse was busy for. */
  report?: (message: string) => void;
}

/**
 * Snowpipe, locally: every object created in the transformed bucket that is a table's file (validate's
 * Parquet parts, the stream's JSON lines) is loaded into the warehouse's RAW layer (DuckDB's or
 * PostgreSQL's), each file once.
 * Like `ALTER PIPE … REFRESH`, `refresh()` loads whatever the events missed. A file that fails to load
 * is reported at once with its key and Snowflake-like error, and never holds up the files after it
 * (Snowflake's `ON_ERROR = SKIP_FILE`); it is tried again at the next refresh.
 */
export class LocalSnowpipe {
  private readonly access: WarehouseAccess;
  private readonly pending = new Set<string>();
  private round: Promise<void> = Promise.resolve();
  readonly loaded: Array<{ key: string; rows: number }> = [];
  /** Files whose last load failed, by key. */
  readonly failed = new Map<string, string>();

  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    warehouse: PipelineWarehouse | WarehouseAccess,
    private readonly options: LocalSnowpipeOptions = {},
  ) {
    this.access = typeof warehouse === 'function' ? warehouse : (work) => work(warehouse);
  }

  /** Starts listening to the local S3 endpoint's object-created events. */
  attach(localS3: LocalS3): void {
    localS3.server.on('event', (event: { Records: Record<string, unknown>[] }) => {
      for (const record of event.Records as unknown as S3EventRecord[]) {
        if (record.s3.bucket.name !== this.bucket || !record.eventName.startsWith('ObjectCreated')) continue;
        this.deliver(decodeURIComponent(record.s3.object.key.replace(/\+/g, ' ')));
      }
    });
  }

  /** One notification: the file is queued, and loads with the next round unless it already has. */
  deliver(key: string): void {
    if (!warehouseTableOf(key)) return;
    this.pending.add(key);
    this.round = this.round.then(() => this.loadPending());
  }

  /** Files delivered that no round has loaded yet (the warehouse was busy). */
  get waiting(): string[] {
    return [...this.pending];
  }

  /** Loads what is pending in one use of the warehouse. Never throws: failures are reported and kept. */
  private async loadPending(): Promise<void> {
    if (!this.pending.size) return;
    const keys = [...this.pending];
    this.pending.clear();
    try {
      await this.access(async (warehouse) => {
        for (const key of keys) await this.loadOne(warehouse, key);
      });
    } catch (error) {
      // The warehouse could not be opened (another command holds its lock): the files wait.
      for (const key of keys) this.pending.add(key);
      this.options.report?.(
        `${keys.length} file(s) wait to load: ${(error as Error).message}. They load with the next round, the next refresh or the next npm start.`,
      );
    }
  }

  private async loadOne(warehouse: PipelineWarehouse, key: string): Promise<void> {
    try {
      const answer = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      const rows = await warehouse.loadFile(key, await answer.Body!.transformToByteArray());
      this.failed.delete(key);
      if (rows > 0) this.loaded.push({ key, rows });
    } catch (error) {
      const message = (error as Error).message ?? String(error);
      this.failed.set(key, message);
      this.options.report?.(
        `could not load ${key} into raw.${warehouseTableOf(key)}: ${message}. The other files load; this one is tried again at the next refresh.`,
      );
    }
  }

  /** Queues every table file in the bucket (already-loaded ones are skipped), then waits. */
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

  /** Waits for every queued round. Failed files are in `failed`, files still waiting in `waiting`. */
  async drain(): Promise<void> {
    await this.round;
  }

  /** The failed loads among the keys `belongs` picks (a run's own files). */
  failuresWhere(belongs: (key: string) => boolean): LoadFailure[] {
    return [...this.failed].filter(([key]) => belongs(key)).map(([key, error]) => ({ key, error }));
  }
}
