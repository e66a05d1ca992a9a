import type { S3Client } from '@aws-sdk/client-s3';
import { readJsonObject, writeJsonObject } from '../shared/s3-json';

/** What the previous batch of a resource looked like, kept for the next one to compare with. */
interface ResourceStats {
  batchId: string;
  logicalDate: string;
  records: number;
}

/** Below this, a drop is noise (a small catalogue that lost a few items), not news. */
const SIGNIFICANT_RECORDS = 1000;

/**
 * The pre-load tier of data quality, on the whole resource (the manifest's count, whatever page group
 * this is): a resource that returned nothing when its previous batch had thousands is reported as a
 * warning; so is a full refresh that shrank below a tenth (an incremental resource returns only what
 * changed, so fewer records is its normal). Only the first page group compares and records.
 */
export async function batchWarnings(
  s3: S3Client,
  bucket: string,
  batch: { source: string; resource: string; batchId: string; logicalDate: string },
  records: number,
  incremental: boolean,
): Promise<string[]> {
  const key = `_stats/${batch.source}/${batch.resource}.json`;
  const previous = (await readJsonObject<ResourceStats>(s3, bucket, key))?.value;
  const warnings: string[] = [];
  if (
    previous &&
    previous.batchId !== batch.batchId &&
    previous.records >= SIGNIFICANT_RECORDS &&
    (incremental ? records === 0 : records < previous.records / 10)
  ) {
    warnings.push(
      `${batch.source}/${batch.resource}: ${records} records in this batch against ${previous.records} in the previous one (${previous.logicalDate}) — check the source`,
    );
  }
  await writeJsonObject(s3, bucket, key, {
    batchId: batch.batchId,
    logicalDate: batch.logicalDate,
    records,
  } satisfies ResourceStats);
  return warnings;
}
