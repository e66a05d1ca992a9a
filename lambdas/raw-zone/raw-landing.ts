import { promisify } from 'node:util';
import { gunzipSync, gzip } from 'node:zlib';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { readJsonObject, writeJsonObject } from '../shared/s3-json';
import type { CursorValue } from '../sources/incremental';

const gzipAsync = promisify(gzip);

/**
 * Measured with `npm run bench` (docs/benchmarks.md): level 3 costs a third of level 6's CPU for 20% more
 * bytes, and a 256 KiB output chunk compresses a typical page in one thread-pool round trip instead of a
 * dozen (zlib's 16 KiB default), which was the largest cost on the main thread.
 */
const GZIP_OPTIONS = { level: 3, chunkSize: 256 * 1024 };

/** One landed page, as the manifest lists it for validate. */
export interface ManifestPage {
  key: string;
  /** Partition label (`countryCode-100`), absent for an unpartitioned resource. */
  partition?: string;
  page: number;
  /** Records found at the records path; null when the body could not be read as the config describes. */
  records: number | null;
  bytes: number;
  url: string;
  status: number;
  /** Why the page's records could not be read (landed for forensics; the resource failed with it). */
  problem?: string;
}

/** The batch's table of contents for one resource: validate reads this, never a bucket listing. */
export interface Manifest {
  source: string;
  resource: string;
  logicalDate: string;
  batchId: string;
  /** False while a continuation is still to come. */
  complete: boolean;
  recordsPath: string;
  /** How the pages are written: JSON unless it says XML (docs/sources.md, "XML and SOAP"). */
  format?: 'xml';
  primaryKey: string[];
  pages: ManifestPage[];
  records: number;
  startCursor?: CursorValue;
  pendingCursor?: CursorValue;
  /** Why extract stopped, on a manifest it could not complete. */
  failure?: string;
}

/**
 * Writes raw pages exactly as received (gzip, deterministic bytes: zlib writes no timestamp) with a few
 * uploads in flight, so the next page is fetched while the last one is still being stored.
 */
export class RawLanding {
  private readonly inFlight = new Set<Promise<void>>();
  private firstError?: unknown;

  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly maxInFlight = 4,
  ) {}

  async landPage(key: string, body: Buffer, metadata: Record<string, string>): Promise<void> {
    this.throwIfFailed();
    while (this.inFlight.size >= this.maxInFlight) await Promise.race(this.inFlight);
    this.throwIfFailed();
    const upload = this.upload(key, body, metadata)
      .catch((error: unknown) => {
        this.firstError ??= error;
      })
      .finally(() => this.inFlight.delete(upload));
    this.inFlight.add(upload);
  }

  /** Waits for every upload; throws the first failure. */
  async flush(): Promise<void> {
    await Promise.all(this.inFlight);
    this.throwIfFailed();
  }

  async writeManifest(key: string, manifest: Manifest): Promise<void> {
    await writeJsonObject(this.s3, this.bucket, key, manifest);
  }

  async readManifest(key: string): Promise<Manifest | undefined> {
    return (await readJsonObject<Manifest>(this.s3, this.bucket, key))?.value;
  }

  private async upload(key: string, body: Buffer, metadata: Record<string, string>): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: await gzipAsync(body, GZIP_OPTIONS),
        // As received: the key says which (rawPageKey).
        ContentType: key.endsWith('.xml.gz') ? 'application/xml' : 'application/json',
        ContentEncoding: 'gzip',
        Metadata: metadata,
      }),
    );
  }

  private throwIfFailed(): void {
    if (this.firstError !== undefined) throw this.firstError;
  }
}

/** Object metadata holding when extract fetched a page: the `_extracted_at` of its rows. */
export const FETCHED_AT_METADATA = 'fetched-at';

/** When extract fetched the page (its object metadata), else when it was stored. */
export function fetchedAtOf(answer: { Metadata?: Record<string, string>; LastModified?: Date }): string {
  return (
    answer.Metadata?.[FETCHED_AT_METADATA] ?? answer.LastModified?.toISOString() ?? new Date(0).toISOString()
  );
}

/** A landed page's text (gunzipped) and when extract fetched it. */
export async function readLandedPage(
  s3: S3Client,
  bucket: string,
  key: string,
): Promise<{ text: string; fetchedAt: string }> {
  const answer = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const bytes = Buffer.from(await answer.Body!.transformToByteArray());
  return { text: gunzipSync(bytes).toString('utf8'), fetchedAt: fetchedAtOf(answer) };
}
