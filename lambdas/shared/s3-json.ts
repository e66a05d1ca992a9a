import { GetObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';

/** A small JSON object read from S3 (manifest, state, schema), with the ETag it had. */
export interface StoredJson<T> {
  value: T;
  etag: string;
}

/** Reads a JSON object, or answers undefined when there is none at that key. */
export async function readJsonObject<T>(
  s3: S3Client,
  bucket: string,
  key: string,
): Promise<StoredJson<T> | undefined> {
  try {
    const answer = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return { value: JSON.parse(await answer.Body!.transformToString()) as T, etag: answer.ETag! };
  } catch (error) {
    if (error instanceof S3ServiceException && error.name === 'NoSuchKey') return undefined;
    throw error;
  }
}

/** Writes a JSON object, pretty-printed so a person can read it in the console. */
export async function writeJsonObject(
  s3: S3Client,
  bucket: string,
  key: string,
  value: unknown,
  condition: { IfMatch?: string; IfNoneMatch?: string } = {},
): Promise<string> {
  const answer = await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: `${JSON.stringify(value, null, 2)}\n`,
      ContentType: 'application/json',
      ...condition,
    }),
  );
  return answer.ETag!;
}

/**
 * A conditional write lost: the object changed (If-Match) or exists (If-None-Match) since it was read.
 * S3 answers 412, or 409 when another conditional write to the key is under way.
 */
export function isPreconditionFailure(error: unknown): boolean {
  const status = (error as S3ServiceException).$metadata?.httpStatusCode;
  return status === 412 || status === 409;
}
