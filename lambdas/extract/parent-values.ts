import type { S3Client } from '@aws-sdk/client-s3';
import type { SourceConfig } from '../sources/source-config';
import type { SourceHttpClient } from './http/source-http-client';
import { readPath } from '../shared/json-path';
import { manifestKey, BatchCoordinates } from '../shared/keys';
import { ConfigError, ResponseFormatError } from '../shared/errors';
import { RawLanding, readLandedPage } from '../raw-zone/raw-landing';
import { readPageBody, ResourcePageReader } from './resource-pages';

/**
 * A child resource's partition values: from the parent's pages already landed in this batch when its
 * manifest is complete (raw is the source of truth, and no request is repeated), else from the API.
 */
export async function parentValues(
  deps: { s3: S3Client; rawBucket: string },
  source: SourceConfig,
  batch: BatchCoordinates,
  parentName: string,
  field: string,
  client: SourceHttpClient,
  landing: RawLanding,
): Promise<string[]> {
  const parent = source.resources.find((candidate) => candidate.name === parentName);
  if (!parent)
    throw new ConfigError(
      `source ${source.name} has no resource "${parentName}"`,
      { source: source.name },
      'fix the partitions.resource of the child',
    );
  const records: unknown[] = [];
  const parentManifest = await landing.readManifest(manifestKey({ ...batch, resource: parentName }));
  if (parentManifest?.complete) {
    for (const page of parentManifest.pages) {
      // Read as extract read it (JSON or XML, the same records path).
      const read =
        page.records === null
          ? undefined
          : readPageBody(
              Buffer.from((await readLandedPage(deps.s3, deps.rawBucket, page.key)).text, 'utf8'),
              parentManifest.recordsPath,
              parentManifest.format ?? 'json',
            );
      const pageRecords = read && 'content' in read ? read.content.records : undefined;
      // A parent page that cannot be read would silently drop its children's partitions.
      if (!Array.isArray(pageRecords))
        throw new ResponseFormatError(
          `the parent ${parentName}'s landed page ${page.key} has no readable records${page.problem ? ` (${page.problem})` : ''}`,
          { source: source.name, resource: batch.resource, key: page.key },
          `re-run the day so ${parentName} is extracted again`,
        );
      records.push(...pageRecords);
    }
  } else {
    const reader = new ResourcePageReader(source, parent, client, undefined);
    await reader.walk(
      { index: 0, values: {} },
      {},
      async (page) => void records.push(...(page.records ?? [])),
      () => false,
    );
  }
  const values = new Set<string>();
  for (const record of records) {
    const value = readPath(record, field);
    if (value !== undefined && value !== null && value !== '') values.add(String(value));
  }
  return [...values];
}
