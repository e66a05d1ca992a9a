import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { S3Client } from '@aws-sdk/client-s3';
import { readObjectBytes } from './environment';

let connection: Promise<DuckDBConnection> | undefined;

/** One in-memory DuckDB per test file: the reader that checks what the pipeline wrote. */
export function duckdb(): Promise<DuckDBConnection> {
  connection ??= DuckDBInstance.create(':memory:').then((instance) => instance.connect());
  return connection;
}

/** Copies Parquet objects out of s3rver to files DuckDB can read (it has no S3 access offline). */
export async function localParquetFiles(
  s3: S3Client,
  bucket: string,
  keys: readonly string[],
): Promise<string[]> {
  const directory = mkdtempSync(join(tmpdir(), 'parquet-'));
  const files: string[] = [];
  for (const [index, key] of keys.entries()) {
    const file = join(directory, `${index}.parquet`);
    writeFileSync(file, await readObjectBytes(s3, bucket, key));
    files.push(file);
  }
  return files;
}

export async function queryRows(sql: string): Promise<Record<string, unknown>[]> {
  const reader = await (await duckdb()).runAndReadAll(sql);
  return reader.getRowObjectsJS() as Record<string, unknown>[];
}
