/**
 * Object keys are deterministic from (source, resource, date, batch, partition, page): a retried step
 * overwrites the same keys instead of adding new ones.
 */
export interface BatchCoordinates {
  source: string;
  resource: string;
  /** The run's logical date, YYYY-MM-DD. */
  logicalDate: string;
  batchId: string;
}

export function batchPrefix(batch: BatchCoordinates): string {
  return `${batch.source}/${batch.resource}/dt=${batch.logicalDate}/batch=${batch.batchId}/`;
}

/** A raw page's key: its name says what it holds as received (`.json.gz`, or `.xml.gz` for an XML source). */
export function rawPageKey(
  batch: BatchCoordinates,
  page: number,
  partitionLabel?: string,
  format: 'json' | 'xml' = 'json',
): string {
  const partition = partitionLabel ? `partition=${partitionLabel}/` : '';
  return `${batchPrefix(batch)}${partition}page-${String(page).padStart(5, '0')}.${format}.gz`;
}

export function manifestKey(batch: BatchCoordinates): string {
  return `${batchPrefix(batch)}manifest.json`;
}

/** Where incremental state lives in the raw bucket. */
export const STATE_PREFIX = 'state/';

export function stateKey(source: string, resource: string): string {
  return `${STATE_PREFIX}${source}/${resource}.json`;
}

/** The lease a run holds on one resource while it runs (`locks/<source>/<resource>.json`). */
export function leaseKey(source: string, resource: string): string {
  return `${LEASE_PREFIX}${source}/${resource}.json`;
}

export const LEASE_PREFIX = 'locks/';

/** Makes a partition value safe as one key segment: letters, digits, `.`, `_` and `-` only. */
export function partitionLabelOf(values: Record<string, string>): string {
  return Object.entries(values)
    .map(([name, value]) => `${name}-${value}`)
    .join('_')
    .replace(/[^A-Za-z0-9._-]/g, '_');
}
