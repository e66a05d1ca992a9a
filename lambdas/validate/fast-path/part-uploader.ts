import { statSync } from 'node:fs';
import { DeleteObjectsCommand, S3Client } from '@aws-sdk/client-s3';
import { partFiles } from './duckdb-fast-path';
import { UPLOAD_PART_BYTES, uploadFile } from './file-upload';

export interface PartUploaderInput {
  s3: S3Client;
  bucket: string;
  /** Where DuckDB writes its parts. */
  directory: string;
  keyForPart: (part: number) => string;
}

/**
 * Uploads DuckDB's Parquet parts while it is still writing the next ones: a part is taken once a
 * later one exists (DuckDB rolls over to a new file when one is full). What was sent is checked against
 * the finished file afterwards and sent again if it changed, so an early upload can never leave a
 * partial part behind.
 */
export class PartUploader {
  /** Parts sent so far, in order, with the size each had when it was sent. */
  private readonly sent: Array<{ file: string; key: string; bytes: number }> = [];
  private sending: Promise<void> = Promise.resolve();
  private failure: Error | undefined;
  private readonly timer: NodeJS.Timeout;
  /** Parts are sent one at a time, so one buffer serves them all. */
  private readonly buffer = Buffer.allocUnsafe(UPLOAD_PART_BYTES);

  constructor(private readonly input: PartUploaderInput) {
    // Unreferenced: an uploader that is never completed must not keep the process alive.
    this.timer = setInterval(() => this.sendFinishedParts(), 250).unref();
  }

  /** After DuckDB has finished: sends the parts not sent (or changed since) and answers every key, in order. */
  async complete(parts: readonly string[]): Promise<string[]> {
    clearInterval(this.timer);
    await this.sending;
    if (this.failure) throw this.failure;
    for (const [index, file] of parts.entries()) {
      const bytes = statSync(file).size;
      const sent = this.sent[index];
      if (sent?.file === file && sent.bytes === bytes) continue;
      await this.send(index, file);
    }
    return this.sent.slice(0, parts.length).map((part) => part.key);
  }

  /** DuckDB's result is not used: removes whatever was sent, so the JS path's parts stand alone. */
  async discard(): Promise<void> {
    clearInterval(this.timer);
    await this.sending.catch(() => undefined);
    if (!this.sent.length) return;
    await this.input.s3.send(
      new DeleteObjectsCommand({
        Bucket: this.input.bucket,
        Delete: { Objects: this.sent.map((part) => ({ Key: part.key })) },
      }),
    );
  }

  private sendFinishedParts(): void {
    this.sending = this.sending.then(async () => {
      if (this.failure) return;
      const files = partFiles(this.input.directory);
      // The newest part may still be written; every earlier one is finished.
      for (let index = this.sent.length; index < files.length - 1; index += 1)
        await this.send(index, files[index]!).catch((error: Error) => (this.failure ??= error));
    });
  }

  private async send(index: number, file: string): Promise<void> {
    const bytes = statSync(file).size;
    const key = this.input.keyForPart(index + 1);
    // One 5 MiB part in flight: sent beside DuckDB's own memory, four in flight raised the peak RSS
    // by ~90 MB for 1 GB (docs/benchmarks.md).
    await uploadFile({
      s3: this.input.s3,
      bucket: this.input.bucket,
      key,
      file,
      bytes,
      contentType: 'application/vnd.apache.parquet',
      buffer: this.buffer,
    });
    this.sent[index] = { file, key, bytes };
  }
}
