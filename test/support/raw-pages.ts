import type { S3Client } from '@aws-sdk/client-s3';
import { FETCHED_AT_METADATA, RawLanding, Manifest } from '../../lambdas/raw-zone/raw-landing';
import { manifestKey, rawPageKey } from '../../lambdas/shared/keys';
import { RAW_BUCKET } from './environment';
import { readPath } from '../../lambdas/shared/json-path';

/** Lands hand-made page bodies as extract would (gzip, metadata, manifest), to feed validate any input. */
export async function landRawPages(
  s3: S3Client,
  batch: { source: string; resource: string; logicalDate: string; batchId: string },
  bodies: readonly string[],
  recordsPath = '',
): Promise<void> {
  const landing = new RawLanding(s3, RAW_BUCKET);
  const manifest: Manifest = {
    ...batch,
    complete: true,
    recordsPath,
    primaryKey: ['id'],
    pages: [],
    records: 0,
  };
  for (const [index, body] of bodies.entries()) {
    const key = rawPageKey(batch, index + 1);
    const records = recordCount(body, recordsPath);
    manifest.records += records ?? 0;
    await landing.landPage(key, Buffer.from(body), { [FETCHED_AT_METADATA]: '2026-11-20T06:00:00.000Z' });
    manifest.pages.push({
      key,
      page: index + 1,
      records,
      bytes: body.length,
      url: 'http://test',
      status: 200,
    });
  }
  await landing.flush();
  await landing.writeManifest(manifestKey(batch), manifest);
}

/** Records on a page as extract counts them: the array at the records path, null if the body is not that. */
function recordCount(body: string, recordsPath: string): number | null {
  try {
    const document = JSON.parse(body) as unknown;
    const records = recordsPath ? readPath(document, recordsPath) : document;
    return Array.isArray(records) ? records.length : null;
  } catch {
    return null;
  }
}
