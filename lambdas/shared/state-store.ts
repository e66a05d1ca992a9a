import { GetObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { StateConflictError } from './errors';
import { stateKey } from './keys';

/** The committed incremental cursor of one source/resource. */
export interface ResourceState {
  cursor: string | number;
  /** The batch whose successful run committed this cursor. */
  batchId: string;
  committedAt: string;
}

export interface StoredState {
  state: ResourceState;
  /** The object's ETag when read: a commit succeeds only if nobody wrote in between. */
  etag: string;
}

/**
 * Incremental state in S3 (`state/<source>/<resource>.json`). Reads are free; writes are conditional
 * (If-Match on the ETag read, If-None-Match for the first write), so two runs cannot overwrite each
 * other's progress: the second commit fails with a StateConflictError instead.
 */
export class StateStore {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  async read(source: string, resource: string): Promise<StoredState | undefined> {
    try {
      const answer = await this.s3.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: stateKey(source, resource) }),
      );
      const state = JSON.parse(await answer.Body!.transformToString()) as ResourceState;
      return { state, etag: answer.ETag! };
    } catch (error) {
      if (error instanceof S3ServiceException && error.name === 'NoSuchKey') return undefined;
      throw error;
    }
  }

  /** Writes the new cursor if the state is still the one read (`expectedEtag`, or none at all). */
  async commit(
    source: string,
    resource: string,
    state: ResourceState,
    expectedEtag: string | undefined,
  ): Promise<string> {
    const key = stateKey(source, resource);
    try {
      const answer = await this.s3.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: `${JSON.stringify(state, null, 2)}\n`,
          ContentType: 'application/json',
          ...(expectedEtag ? { IfMatch: expectedEtag } : { IfNoneMatch: '*' }),
        }),
      );
      return answer.ETag!;
    } catch (error) {
      const status = (error as S3ServiceException).$metadata?.httpStatusCode;
      if (status === 412 || status === 409) {
        throw new StateConflictError(
          `state ${key} changed since this run read it (another run committed first)`,
          { source, resource, key },
          'nothing was overwritten; re-run this batch so it starts from the newer state',
          { cause: error },
        );
      }
      throw error;
    }
  }
}
