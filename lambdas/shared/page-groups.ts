import type { PageGroup } from './step-messages';

/**
 * How much raw JSON one validate invocation takes on. At validate's measured ~12 MB/s
 * (docs/benchmarks.md) 2 GiB take about three minutes, well inside Lambda's fifteen, and become
 * ~150 MB of Parquet (events compress ~13×): in the 100–250 MB range Snowpipe loads best.
 */
export const DEFAULT_GROUP_BYTES = 2 * 1024 * 1024 * 1024;

/**
 * Splits a resource's pages into consecutive groups of at most `maxBytes` raw bytes (a single larger
 * page is a group of its own), for the state machine to hand to validate, in parallel. No group when there
 * is no page.
 */
export function planPageGroups(
  pages: readonly { bytes: number }[],
  maxBytes = DEFAULT_GROUP_BYTES,
): PageGroup[] {
  const groups: PageGroup[] = [];
  let current: PageGroup | undefined;
  let currentBytes = 0;
  pages.forEach((page, position) => {
    if (!current || (currentBytes + page.bytes > maxBytes && current.count > 0)) {
      current = { index: groups.length, first: position, count: 0 };
      currentBytes = 0;
      groups.push(current);
    }
    current.count += 1;
    currentBytes += page.bytes;
  });
  return groups;
}
