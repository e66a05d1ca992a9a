import { createHash } from 'node:crypto';
import { DeleteObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { isPreconditionFailure, readJsonObject, writeJsonObject } from '../shared/s3-json';

/** How long a key holds its answer: a producer's retries of one request come well within a day. */
export const IDEMPOTENCY_WINDOW_SECONDS = 24 * 60 * 60;
/**
 * After this long a request still "in progress" is taken as dead (the ingest Lambda's timeout is
 * 29 s, API Gateway's too), and a retry with its key does the work.
 */
export const IN_PROGRESS_SECONDS = 30;

/** What the pipeline remembers of a request sent with an Idempotency-Key. */
interface RequestRecord<Answer> {
  /** SHA-256 of the body: the same key with another body is a mistake, not a retry. */
  fingerprint: string;
  state: 'in_progress' | 'answered';
  startedAt: string;
  answer?: Answer;
}

/** What claiming a key found. */
export type Claim<Answer> =
  | { kind: 'claimed'; objectKey: string; etag: string }
  | { kind: 'answered'; answer: Answer }
  | { kind: 'in_progress'; since: string }
  | { kind: 'other_body' };

export const bodyFingerprint = (body: string) => createHash('sha256').update(body).digest('hex');

/**
 * Requests sent with an Idempotency-Key, one small JSON object each under `stream/requests/` of the
 * failed bucket (the ingest function's own prefix, expired with it), written with S3's conditional
 * writes as the run leases and the incremental state are: two retries of one request cannot both
 * claim it. The key is hashed into the object key, so any key a producer sends is a safe name.
 */
export class RequestRecords<Answer> {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Claims `key` for a request with this body, or says what an earlier request with it got. */
  async claim(key: string, fingerprint: string): Promise<Claim<Answer>> {
    const objectKey = `stream/requests/${createHash('sha256').update(key).digest('hex')}.json`;
    const record: RequestRecord<Answer> = {
      fingerprint,
      state: 'in_progress',
      startedAt: this.now().toISOString(),
    };
    for (let attempt = 1; ; attempt += 1) {
      try {
        return {
          kind: 'claimed',
          objectKey,
          etag: await this.write(objectKey, record, { IfNoneMatch: '*' }),
        };
      } catch (error) {
        if (!isPreconditionFailure(error)) throw error;
      }
      const held = await readJsonObject<RequestRecord<Answer>>(this.s3, this.bucket, objectKey);
      if (!held) {
        if (attempt < 3) continue; // released between our write and our read
        throw new Error(`the record of this Idempotency-Key keeps changing (${objectKey})`);
      }
      const age = (this.now().getTime() - Date.parse(held.value.startedAt)) / 1000;
      const expired =
        age > IDEMPOTENCY_WINDOW_SECONDS || (held.value.state === 'in_progress' && age > IN_PROGRESS_SECONDS);
      if (!expired) {
        if (held.value.fingerprint !== fingerprint) return { kind: 'other_body' };
        if (held.value.state === 'answered') return { kind: 'answered', answer: held.value.answer! };
        return { kind: 'in_progress', since: held.value.startedAt };
      }
      try {
        return {
          kind: 'claimed',
          objectKey,
          etag: await this.write(objectKey, record, { IfMatch: held.etag }),
        };
      } catch (error) {
        if (!isPreconditionFailure(error) || attempt >= 3) throw error;
      }
    }
  }

  /** The claimed request was answered: a retry with its key gets this answer again. */
  async answered(
    claim: Extract<Claim<Answer>, { kind: 'claimed' }>,
    fingerprint: string,
    answer: Answer,
  ): Promise<void> {
    await this.write(
      claim.objectKey,
      { fingerprint, state: 'answered', startedAt: this.now().toISOString(), answer },
      { IfMatch: claim.etag },
    );
  }

  /** The claimed request failed (a 5xx): its key is free again, so a retry does the work. */
  async release(claim: Extract<Claim<Answer>, { kind: 'claimed' }>): Promise<void> {
    await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: claim.objectKey }));
  }

  private write(
    objectKey: string,
    record: RequestRecord<Answer>,
    condition: { IfMatch?: string; IfNoneMatch?: string },
  ): Promise<string> {
    return writeJsonObject(this.s3, this.bucket, objectKey, record, condition);
  }
}
