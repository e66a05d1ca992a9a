import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import type { ManifestPage } from '../../raw-zone/raw-landing';
import type { PipelineLogger } from '../../shared/logger';
import { LocalPage, PageVerdicts, runFastPath } from './duckdb-fast-path';
import { PartUploader } from './part-uploader';
import type { FastPathPlan } from './acceptance-sql';
import { DownloadedPage, downloadPages } from './page-download';
import { recordHash } from '../../contracts/canonical-json';
import type { ExactNumbers } from '../../shared/exact-json';
import type { JsonSchemaNode } from '../../contracts/table-spec';

/** What the fast path did for one page group, for the JS path to finish. */
export interface FastPathOutcome {
  rows: number;
  /** The Parquet parts it wrote to the transformed bucket, in order. */
  keys: string[];
  /** Pages whose every record it wrote: counted, never read again. */
  whole: Set<string>;
  /** Pages with records it left to the JS path, and its verdict on each record. */
  partial: Map<string, PageVerdicts>;
  /** The raw pages as downloaded (gzip), with when extract fetched them. */
  downloaded: Map<string, DownloadedPage>;
}

export interface FastPathStageInput {
  s3: S3Client;
  rawBucket: string;
  transformedBucket: string;
  plan: FastPathPlan;
  pages: readonly ManifestPage[];
  batchId: string;
  keyForPart: (part: number) => string;
  rowGroupRows: number;
  partMaxBytes: number;
  logger: PipelineLogger;
}

/**
 * Downloads the group's pages, lets DuckDB write every record it proves acceptable and uploads its
 * parts. Returns undefined when DuckDB could not run (a page it cannot parse, no space): then the
 * JS path validates the whole group as it always did, so the fast path can only ever save time.
 * The work directory is removed by `cleanup` once the JS path has read what it needs.
 */
export async function runFastPathStage(
  input: FastPathStageInput,
): Promise<{ outcome?: FastPathOutcome; cleanup: () => void }> {
  const work = mkdtempSync(join(tmpdir(), 'validate-'));
  const cleanup = () => rmSync(work, { recursive: true, force: true });
  try {
    // Pages extract could not count are not DuckDB's: the JS path quarantines them with the reason.
    const readable = input.pages.filter((page) => page.records !== null && !page.problem);
    const started = performance.now();
    const downloaded = await downloadPages({
      s3: input.s3,
      bucket: input.rawBucket,
      pages: readable,
      directory: join(work, 'pages'),
    });
    const downloadedAt = performance.now();
    const local: LocalPage[] = readable.map((page) => {
      const { file, fetchedAt } = downloaded.get(page.key)!;
      return { file, sourceKey: page.key, extractedAt: fetchedAt, records: page.records! };
    });
    const partsDirectory = join(work, 'parts');
    // Parts DuckDB has finished are sent while it writes the next.
    const uploader = new PartUploader({
      s3: input.s3,
      bucket: input.transformedBucket,
      directory: partsDirectory,
      keyForPart: input.keyForPart,
    });
    let result;
    try {
      result = await runFastPath(input.plan, local, {
        workDirectory: work,
        partsDirectory,
        batchId: input.batchId,
        rowGroupRows: input.rowGroupRows,
        partMaxBytes: input.partMaxBytes,
      });
    } catch (error) {
      await uploader.discard();
      input.logger.warn('DuckDB fast path could not run; the JS path validates the whole group', {
        error: (error as Error).message,
      });
      return { cleanup, outcome: undefined };
    }
    const checkedAt = performance.now();
    const keys = await uploader.complete(result.parts);
    input.logger.info('fast path done', {
      pages: local.length,
      rows: result.rows,
      pagesLeftToJs: result.partial.size,
      downloadSeconds: seconds(downloadedAt - started),
      duckdbSeconds: seconds(checkedAt - downloadedAt),
      // Parts finished earlier were sent while DuckDB worked: this is only what was left.
      uploadSecondsAfterDuckdb: seconds(performance.now() - checkedAt),
    });
    const whole = new Set(local.map((page) => page.sourceKey).filter((key) => !result.partial.has(key)));
    return { cleanup, outcome: { rows: result.rows, keys, whole, partial: result.partial, downloaded } };
  } catch (error) {
    cleanup();
    throw error;
  }
}

const seconds = (milliseconds: number) => Math.round(milliseconds) / 1000;

/**
 * A record the fast path wrote, met again on a page the JS path reads: its hash must be the one DuckDB
 * wrote, which also proves both paths see the same record at this place. Disagreement is a defect of
 * the fast path, never of the data: the invocation fails (no row is lost or doubled) and says how to
 * go on without the fast path.
 */
export function confirmFastPathRecord(
  record: unknown,
  hashWritten: string,
  schema: JsonSchemaNode,
  sourceKey: string,
  index: number,
  exact?: ExactNumbers,
): void {
  const expected = recordHash(record, schema, exact);
  if (expected !== hashWritten)
    throw new Error(
      `validate's DuckDB path wrote record ${index} of ${sourceKey} with _record_hash ${hashWritten}, the JS path computes ${expected}: ` +
        'set VALIDATE_FAST_PATH=off on the validate function, re-run, and report this record',
    );
}
