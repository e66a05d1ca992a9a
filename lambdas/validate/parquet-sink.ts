import { PassThrough } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import type { SchemaElement } from 'hyparquet';
import { ColumnSpec, ColumnType } from '../contracts/table-spec';
import type { Row } from '../contracts/row-builder';

export interface ParquetSinkOptions {
  /** Rows per row group: the most rows held in memory per table. */
  rowGroupRows: number;
  /** A part is closed and the next one started once it has this many bytes. */
  partMaxBytes: number;
}

export interface SinkResult {
  rows: number;
  keys: string[];
}

const parquetTypes: Record<ColumnType, Omit<SchemaElement, 'name' | 'repetition_type'>> = {
  string: { type: 'BYTE_ARRAY', converted_type: 'UTF8' },
  json: { type: 'BYTE_ARRAY', converted_type: 'UTF8' },
  integer: { type: 'INT64' },
  number: { type: 'DOUBLE' },
  boolean: { type: 'BOOLEAN' },
  timestamp: {
    type: 'INT64',
    converted_type: 'TIMESTAMP_MICROS',
    logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MICROS' },
  },
  date: { type: 'INT32', converted_type: 'DATE' },
};

function parquetSchema(columns: readonly ColumnSpec[]): SchemaElement[] {
  return [
    { name: 'root', num_children: columns.length },
    ...columns.map((column) => ({
      name: column.name,
      ...parquetTypes[column.type],
      repetition_type: column.nullable ? ('OPTIONAL' as const) : ('REQUIRED' as const),
    })),
  ];
}

/** A hyparquet writer whose bytes leave for S3 after every row group, so a part never sits in memory. */
class S3PartWriter extends ByteWriter {
  private readonly stream = new PassThrough();
  /** The upload reads the stream from the start, so a full pipe never waits on a reader that is not there. */
  private readonly uploaded: Promise<unknown>;

  constructor(s3: S3Client, bucket: string, key: string) {
    super();
    this.uploaded = new Upload({
      client: s3,
      params: { Bucket: bucket, Key: key, Body: this.stream, ContentType: 'application/vnd.apache.parquet' },
      queueSize: 1,
      partSize: 5 * 1024 * 1024,
    }).done();
  }

  flush(): Promise<void> {
    const chunk = Buffer.from(this.getBytes());
    this.index = 0; // the buffer is reused; `offset` keeps counting the file's absolute position
    return this.stream.write(chunk)
      ? Promise.resolve()
      : new Promise((resolve) => this.stream.once('drain', () => resolve()));
  }

  override async finish(): Promise<void> {
    await this.flush();
    this.stream.end();
    await this.uploaded;
  }
}

/**
 * Streams one table's rows into Parquet parts in S3: rows are buffered up to a row group, each row
 * group is encoded and sent on, and a part rolls over at `partMaxBytes` or when the columns change
 * (a column added by schema evolution starts a new part with the new schema).
 */
export class ParquetTableSink {
  private buffer: Row[] = [];
  private part?: { writer: S3PartWriter; parquet: ParquetWriter; columns: ColumnSpec[] };
  private readonly keys: string[] = [];
  private rows = 0;

  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly keyForPart: (partNumber: number) => string,
    private columns: ColumnSpec[],
    private readonly options: ParquetSinkOptions,
  ) {}

  /** The columns rows are written with now; a different count means evolution added one. */
  get columnCount(): number {
    return this.columns.length;
  }

  /** Adds a row; true when its row group is full and `flushRowGroup` should run before the next add. */
  push(row: Row): boolean {
    this.buffer.push(row);
    this.rows += 1;
    return this.buffer.length >= this.options.rowGroupRows;
  }

  /** Closes the current part so the next rows go to a new one with these (wider) columns. */
  async changeColumns(columns: readonly ColumnSpec[]): Promise<void> {
    await this.flushRowGroup();
    await this.closePart();
    this.columns = [...columns];
  }

  async close(): Promise<SinkResult> {
    await this.flushRowGroup();
    await this.closePart();
    return { rows: this.rows, keys: this.keys };
  }

  async flushRowGroup(): Promise<void> {
    if (this.buffer.length === 0) return;
    const part = this.part ?? this.openPart();
    const rows = this.buffer;
    this.buffer = [];
    await part.parquet.write({
      columnData: part.columns.map((column) => ({
        name: column.name,
        data: rows.map((row) => row[column.name] ?? null),
      })),
      rowGroupSize: rows.length,
    });
    if (part.writer.offset >= this.options.partMaxBytes) await this.closePart();
  }

  private openPart() {
    const key = this.keyForPart(this.keys.length + 1);
    this.keys.push(key);
    const writer = new S3PartWriter(this.s3, this.bucket, key);
    const columns = [...this.columns];
    const parquet = new ParquetWriter({
      writer,
      schema: parquetSchema(columns),
      createdBy: 'api-snowflake-pipeline',
    });
    this.part = { writer, parquet, columns };
    return this.part;
  }

  private async closePart(): Promise<void> {
    if (!this.part) return;
    await this.part.parquet.finish();
    this.part = undefined;
  }
}
