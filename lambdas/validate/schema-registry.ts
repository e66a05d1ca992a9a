import { GetObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
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
    try {
      const answer = await this.s3.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: `_schemas/${source}/${table}/current.json` }),
      );
      return JSON.parse(await answer.Body!.transformToString()) as SchemaVersion;
    } catch (error) {
      if (error instanceof S3ServiceException && error.name === 'NoSuchKey') return undefined;
      throw error;
    }
  }

  async save(schema: SchemaVersion): Promise<void> {
    const body = `${JSON.stringify(schema, null, 2)}\n`;
    for (const name of [`v${schema.version}.json`, 'current.json']) {
      await this.s3.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: `_schemas/${schema.source}/${schema.table}/${name}`,
          Body: body,
          ContentType: 'application/json',
        }),
      );
    }
  }
}
