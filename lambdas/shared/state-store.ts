import type { S3Client } from '@aws-sdk/client-s3';
import { isPreconditionFailure, readJsonObject, writeJsonObject } from './s3-json';
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
    const stored = await readJsonObject<ResourceState>(this.s3, this.bucket, stateKey(source, resource));
    return stored && { state: stored.value, etag: stored.etag };
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
      return await writeJsonObject(
        this.s3,
        this.bucket,
        key,
        state,
        expectedEtag ? { IfMatch: expectedEtag } : { IfNoneMatch: '*' },
      );
    } catch (error) {
      if (isPreconditionFailure(error)) {
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
