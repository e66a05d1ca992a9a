import type { S3Client } from '@aws-sdk/client-s3';
import { readJsonObject, writeJsonObject } from '../shared/s3-json';
import type { ColumnSpec } from './table-spec';

/** One version of a table's schema: its columns and where each comes from in the record. */
export interface SchemaVersion {
  source: string;
  table: string;
  version: number;
  columns: ColumnSpec[];
}

/**
 * The schema registry in the transformed bucket: `_schemas/<source>/<table>/v<N>.json` for every version
 * and `current.json` naming the newest, so evolved columns outlive the run that found them.
 */
export class SchemaRegistry {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  async current(source: string, table: string): Promise<SchemaVersion | undefined> {
    return (
      await readJsonObject<SchemaVersion>(this.s3, this.bucket, `_schemas/${source}/${table}/current.json`)
    )?.value;
  }

  async save(schema: SchemaVersion): Promise<void> {
    for (const name of [`v${schema.version}.json`, 'current.json']) {
      await writeJsonObject(
        this.s3,
        this.bucket,
        `_schemas/${schema.source}/${schema.table}/${name}`,
        schema,
      );
    }
  }
}
