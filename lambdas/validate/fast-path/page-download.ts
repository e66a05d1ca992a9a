import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { fetchedAtOf, ManifestPage } from '../../raw-zone/raw-landing';

/**
 * GETs in flight: S3 answers each in tens of milliseconds, so many run at once. Not more: with 24 or
 * 32, the requests' garbage grew the JS heap by up to ~70 MB before V8 collected it, and validate's
 * peak RSS for 1 GB ranged 263–331 MB instead of 260–270 MB, for no faster download from s3rver
 * (docs/benchmarks.md).
 */
const DOWNLOADS_IN_FLIGHT = 16;

/** A raw page as downloaded: its gzip bytes on local disk, and when extract fetched it. */
export interface DownloadedPage {
  file: string;
  fetchedAt: string;
}

/**
 * Downloads the pages to local files as they are stored (gzip): decompressing them here instead
 * doubled the download time and did not make DuckDB faster on this machine (docs/benchmarks.md).
 */
export async function downloadPages(input: {
  s3: S3Client;
  bucket: string;
  pages: readonly ManifestPage[];
  directory: string;
}): Promise<Map<string, DownloadedPage>> {
  mkdirSync(input.directory, { recursive: true });
  const downloaded = new Map<string, DownloadedPage>();
  let next = 0;
  const download = async () => {
    while (next < input.pages.length) {
      const index = next++;
      const page = input.pages[index]!;
      const answer = await input.s3.send(new GetObjectCommand({ Bucket: input.bucket, Key: page.key }));
      const file = join(input.directory, `${String(index).padStart(6, '0')}.json.gz`);
      await pipeline(answer.Body as Readable, createWriteStream(file));
      downloaded.set(page.key, { file, fetchedAt: fetchedAtOf(answer) });
    }
  };
  await Promise.all(Array.from({ length: DOWNLOADS_IN_FLIGHT }, download));
  return downloaded;
}
