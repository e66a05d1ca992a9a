import { ReconciliationError } from '../shared/errors';
import type { ExtractedResource, ResourceCounts, RunCounts, ValidatedGroup } from '../shared/step-messages';

/** How many mismatches the error names (the count of the others follows). */
const MISMATCHES_NAMED = 10;

/**
 * Adds up each resource over its page groups and checks the pipeline's promise: every page extract
 * landed was read, every record it counted entered validate and left it as a row or a reject. An
 * unreadable page, or any difference, fails the run, naming the resources, pages and numbers, before
 * anything downstream (the load, the cursor commit) happens. Rejects alone make a run PARTIAL.
 */
export function reconcile(
  extracted: readonly ExtractedResource[],
  validated: readonly ValidatedGroup[][],
): RunCounts {
  const mismatches: string[] = [];
  const resources = extracted.map((extract, position) => {
    const groups = validated[position] ?? [];
    const counts: ResourceCounts = {
      source: extract.source,
      resource: extract.resource,
      pages: extract.pages,
      extracted: extract.records,
      valid: 0,
      rejected: 0,
      quarantinedPages: 0,
      rejectKeys: [],
      tables: {},
      parquetKeys: [],
      warnings: [],
    };
    let input = 0;
    let pagesRead = 0;
    const unreadable: string[] = [];
    for (const group of groups) {
      if (group.source !== extract.source || group.resource !== extract.resource) {
        mismatches.push(
          `${extract.source}/${extract.resource}: validate answered for ${group.source}/${group.resource}`,
        );
        continue;
      }
      input += group.inputRecords;
      pagesRead += group.pages;
      unreadable.push(...(group.unreadable ?? []).map((page) => `${page.key} (${page.problem})`));
      counts.valid += group.validRecords;
      counts.rejected += group.rejectedRecords;
      counts.quarantinedPages += group.quarantinedPages;
      counts.rejectKeys.push(...group.rejectKeys);
      counts.warnings.push(...(group.warnings ?? []));
      for (const [table, written] of Object.entries(group.tables)) {
        counts.tables[table] = (counts.tables[table] ?? 0) + written.rows;
        counts.parquetKeys.push(...written.keys);
      }
    }
    const name = `${extract.source}/${extract.resource}`;
    if (extract.unreadablePages)
      mismatches.push(`${name}: extract landed ${extract.unreadablePages} unreadable pages`);
    if (counts.quarantinedPages)
      mismatches.push(
        `${name}: ${counts.quarantinedPages} pages could not be read as records${unreadable.length ? `: ${unreadable.join(', ')}` : ''}`,
      );
    if (pagesRead !== extract.pages)
      mismatches.push(`${name}: extract landed ${extract.pages} pages, validate read ${pagesRead}`);
    if (input !== extract.records)
      mismatches.push(`${name}: extract counted ${extract.records} records, validate read ${input}`);
    if (counts.valid + counts.rejected !== input)
      mismatches.push(
        `${name}: ${input} records in, ${counts.valid} valid + ${counts.rejected} rejected out`,
      );
    return counts;
  });
  if (validated.length !== extracted.length)
    mismatches.push(`${extracted.length} resources extracted, ${validated.length} validated`);
  if (mismatches.length) {
    // The first ones say what went wrong; all of them would outgrow the state and the notice.
    const shown = mismatches.slice(0, MISMATCHES_NAMED);
    const more = mismatches.length - shown.length;
    throw new ReconciliationError(
      `counts do not add up: ${shown.join('; ')}${more ? `; and ${more} more (this execution's validate logs)` : ''}`,
      {},
      'nothing was loaded or committed; look for the resource in the validate logs of this execution, fix, and re-run the day',
    );
  }
  const totals = { extracted: 0, valid: 0, rejected: 0, quarantinedPages: 0 };
  for (const counts of resources) {
    totals.extracted += counts.extracted;
    totals.valid += counts.valid;
    totals.rejected += counts.rejected;
    totals.quarantinedPages += counts.quarantinedPages;
  }
  return { resources, totals };
}
