import { DeleteObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import type { PipelineLogger } from '../shared/logger';
import { RunInProgressError } from '../shared/errors';
import { LEASE_PREFIX, leaseKey } from '../shared/keys';
import { isPreconditionFailure, readJsonObject, writeJsonObject } from '../shared/s3-json';

/** How long a run may take before the state machine fails it (CDK reads this for its timeout). */
export const RUN_TIMEOUT_SECONDS = 6 * 3600;
/** A lease outlives its run's timeout a little: a run that old can no longer be running. */
export const LEASE_TTL_SECONDS = RUN_TIMEOUT_SECONDS + 15 * 60;

/** Who holds a resource, since when, and until when the lease counts if it is never released. */
export interface Lease {
  batchId: string;
  executionArn?: string;
  acquiredAt: string;
  expiresAt: string;
}

export interface ResourceRef {
  source: string;
  resource: string;
}

/**
 * One run per resource at a time. A run takes a lease on every resource it will touch before it
 * extracts anything (a conditional create, so two runs cannot both win), and gives them back at its
 * end, succeeded or failed. A lease past its expiry (the state machine's timeout and a margin) belongs
 * to a run that can no longer be running, and is taken over.
 */
export class RunLeases {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly logger: PipelineLogger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Takes every lease or none: on a conflict, the ones taken are given back and the run stops. */
  async acquire(
    holder: { batchId: string; executionArn?: string },
    resources: readonly ResourceRef[],
    ttlMs: number,
  ): Promise<string[]> {
    const lease: Lease = {
      ...holder,
      acquiredAt: this.now().toISOString(),
      expiresAt: new Date(this.now().getTime() + ttlMs).toISOString(),
    };
    const taken: string[] = [];
    // A fixed order, so two runs over overlapping resources meet at the first one they share.
    const keys = [...new Set(resources.map((ref) => leaseKey(ref.source, ref.resource)))].sort();
    try {
      for (const key of keys) {
        await this.take(key, lease);
        taken.push(key);
      }
    } catch (error) {
      for (const key of taken) await this.giveBack(key, (held) => held.batchId === holder.batchId);
      throw error;
    }
    return taken;
  }

  /** Gives back every lease this batch holds; answers their keys. */
  release(batchId: string): Promise<string[]> {
    return this.releaseWhere((lease) => lease.batchId === batchId);
  }

  /** Gives back every lease whose holder `matches` (all of them, for a local data directory's leftovers). */
  async releaseWhere(matches: (lease: Lease) => boolean): Promise<string[]> {
    const released: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.s3.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: LEASE_PREFIX, ContinuationToken: token }),
      );
      for (const object of page.Contents ?? [])
        if (object.Key && (await this.giveBack(object.Key, matches))) released.push(object.Key);
      token = page.NextContinuationToken;
    } while (token);
    return released;
  }

  private async take(key: string, lease: Lease): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await writeJsonObject(this.s3, this.bucket, key, lease, { IfNoneMatch: '*' });
        return;
      } catch (error) {
        if (!isPreconditionFailure(error)) throw error;
      }
      const held = await readJsonObject<Lease>(this.s3, this.bucket, key);
      if (!held) {
        if (attempt < 3) continue; // given back between our write and our read: try again
        throw new Error(`the lease ${key} keeps changing; try again`);
      }
      if (held.value.batchId === lease.batchId) return; // this run's own, from a retried attempt
      if (Date.parse(held.value.expiresAt) > this.now().getTime()) {
        const [, source, resource] = /^locks\/([^/]+)\/(.+)\.json$/.exec(key) ?? [];
        throw new RunInProgressError(
          `batch ${held.value.batchId} has been running ${source}/${resource} since ${held.value.acquiredAt}, so this run stopped before extracting anything`,
          { source, resource, key },
          `let that run finish (Step Functions console${held.value.executionArn ? `: ${held.value.executionArn}` : ''}) and start this one again; if it is gone for good, delete s3://${this.bucket}/${key}`,
        );
      }
      try {
        await writeJsonObject(this.s3, this.bucket, key, lease, { IfMatch: held.etag });
        this.logger.warn('took over an expired run lease', { key, previous: held.value });
        return;
      } catch (error) {
        if (!isPreconditionFailure(error) || attempt >= 3) throw error;
      }
    }
  }

  /** Deletes the lease if its holder matches; answers whether it did. */
  private async giveBack(key: string, matches: (lease: Lease) => boolean): Promise<boolean> {
    const held = await readJsonObject<Lease>(this.s3, this.bucket, key);
    if (!held || !matches(held.value)) return false;
    await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    return true;
  }
}
