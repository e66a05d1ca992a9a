import { open } from 'node:fs/promises';
import {
  AbortMultipartUploadCommand,
  ChecksumAlgorithm,
  CompletedPart,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';

/** S3's smallest multipart part, and the one buffer every part of a file is read into. */
export const UPLOAD_PART_BYTES = 5 * 1024 * 1024;

export interface FileUpload {
  s3: S3Client;
  bucket: string;
  key: string;
  file: string;
  /** Bytes of the file to send (the file may be longer; what is past this is not sent). */
  bytes: number;
  contentType: string;
  /** Reused for every part, UPLOAD_PART_BYTES long: the caller owns it and sends one file at a time. */
  buffer: Buffer;
}

/**
 * Sends a local file to S3 in parts read into one reused buffer, one part in flight. lib-storage's
 * Upload allocates a fresh buffer per part; beside DuckDB nothing else made V8 collect them, and up to
 * ~80 MB of sent parts waited for the next collection, lifting validate's peak RSS from ~280 to
 * ~370 MB in some runs (docs/benchmarks.md). A failed multipart upload is aborted, so S3 keeps no
 * orphaned parts.
 */
export async function uploadFile(upload: FileUpload): Promise<void> {
  const { s3, bucket, key, buffer } = upload;
  if (buffer.length !== UPLOAD_PART_BYTES)
    throw new Error(`uploadFile needs a buffer of ${UPLOAD_PART_BYTES} bytes, got ${buffer.length}`);
  const handle = await open(upload.file);
  try {
    const readPart = async (position: number): Promise<Buffer> => {
      const length = Math.min(UPLOAD_PART_BYTES, upload.bytes - position);
      for (let filled = 0; filled < length;) {
        const { bytesRead } = await handle.read(buffer, filled, length - filled, position + filled);
        if (bytesRead === 0) throw new Error(`${upload.file} ended before its ${upload.bytes} bytes`);
        filled += bytesRead;
      }
      return buffer.subarray(0, length);
    };
    if (upload.bytes <= UPLOAD_PART_BYTES) {
      await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: await readPart(0),
          ContentType: upload.contentType,
        }),
      );
      return;
    }
    // CRC32 per part, as lib-storage asks for it: S3 checks every part and the whole object.
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({
        Bucket: bucket,
        Key: key,
        ContentType: upload.contentType,
        ChecksumAlgorithm: ChecksumAlgorithm.CRC32,
      }),
    );
    try {
      const parts: CompletedPart[] = [];
      for (let position = 0; position < upload.bytes; position += UPLOAD_PART_BYTES) {
        const PartNumber = parts.length + 1;
        const answer = await s3.send(
          new UploadPartCommand({
            Bucket: bucket,
            Key: key,
            UploadId,
            PartNumber,
            Body: await readPart(position),
            ChecksumAlgorithm: ChecksumAlgorithm.CRC32,
          }),
        );
        parts.push({ PartNumber, ETag: answer.ETag, ChecksumCRC32: answer.ChecksumCRC32 });
      }
      await s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: key,
          UploadId,
          MultipartUpload: { Parts: parts },
        }),
      );
    } catch (error) {
      await s3
        .send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId }))
        .catch(() => undefined);
      throw error;
    }
  } finally {
    await handle.close();
  }
}
