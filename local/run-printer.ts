import type { CommittedCursor } from '../lambdas/commit-state/commit-cursors';
import type { RunNotice } from '../lambdas/notify/run-notice';
import type { PublishOutcome } from '../lambdas/quality/write-audit-publish';
import type { QualityVerdict } from '../lambdas/quality/run-checks';
import type { WarehouseKind } from './warehouse/pipeline-warehouse';
import type {
  ExtractResult,
  ReconcileResult,
  RunPlan,
  ValidateResult,
} from '../lambdas/shared/step-messages';

export const plural = (count: number, noun: string) =>
  `${count.toLocaleString('en')} ${noun}${count === 1 ? '' : 's'}`;

/**
 * What `npm start` tells the user as the run goes: one heading per step the first time it runs, one
 * line per resource, warnings and failures where they happen. Only wording lives here; the run
 * (local-run.ts) says when.
 */
/** A structured log line a handler wrote (Powertools' JSON), as `npm start` reads it back. */
export interface LoggedLine {
  level: string;
  message: string;
  source?: string;
  resource?: string;
  [field: string]: unknown;
}

/** The engines' names, for people. */
const ENGINE: Record<WarehouseKind, string> = { duckdb: 'DuckDB', postgres: 'PostgreSQL' };

export class RunPrinter {
  private readonly shown = new Set<string>();
  /** Warnings logged while a resource was being extracted: printed under its line when it is done. */
  private readonly notes = new Map<string, string[]>();
  private readonly extractedResources = new Set<string>();

  constructor(readonly print: (line: string) => void = () => undefined) {}

  private heading(line: string): void {
    if (!this.shown.has(line)) this.print(line);
    this.shown.add(line);
  }

  leaseReleased(key: string): void {
    this.print(`A previous run was interrupted: its lease ${key} is released`);
  }

  stateWithoutRuns(s3Directory: string): void {
    this.print(
      `! The local S3 (${s3Directory}) has incremental state from earlier runs, but this warehouse has no run yet: this run fetches only what changed since, so CLEAN will hold only that. To fill this warehouse with everything, start from empty with --fresh (or use another --data-dir).`,
    );
  }

  loadProblem(message: string): void {
    this.print(`  ! ${message}`);
  }

  planned(plan: RunPlan): void {
    this.print(
      `Plan: ${plan.resources.length} resources, logical date ${plan.logicalDate}, batch ${plan.batchId}`,
    );
  }

  /**
   * A handler's warning or error, in words: under its resource's line when it belongs to a resource
   * still being extracted (a retry, a slow answer), else where it happens.
   */
  logged(line: LoggedLine): void {
    const key = line.source && line.resource ? `${line.source}/${line.resource}` : undefined;
    const text = describeLogged(line);
    if (key && !this.extractedResources.has(key)) this.notes.set(key, [...(this.notes.get(key) ?? []), text]);
    else this.print(`  ! ${key ? `${key}: ` : ''}${text}`);
  }

  private notesOf(key: string): void {
    this.extractedResources.add(key);
    for (const note of this.notes.get(key) ?? []) this.print(`      ↻ ${note}`);
    this.notes.delete(key);
  }

  extractFailed(source: string, resource: string, error: Error): void {
    this.heading('Extract (API → s3://raw)');
    this.print(`  ✗ ${`${source}/${resource}`.padEnd(32)} ${error.name}: ${error.message}`);
    this.notesOf(`${source}/${resource}`);
  }

  extracted(result: ExtractResult, seconds: number): void {
    this.heading('Extract (API → s3://raw)');
    const name = `${result.source}/${result.resource}`;
    if (!result.done) {
      this.print(
        `  … ${name}: ${plural(result.pages, 'page')}, ${plural(result.records, 'record')} so far, continuing`,
      );
      return;
    }
    const retries = result.retries ? `, ${result.retries} retries` : '';
    const cursor = result.pendingCursor !== undefined ? `, cursor → ${result.pendingCursor}` : '';
    this.print(
      `  ✓ ${name.padEnd(32)} ${plural(result.pages, 'page').padStart(10)} ${plural(result.records, 'record').padStart(15)}  ${seconds.toFixed(1)} s${retries}${cursor}`,
    );
    this.notesOf(name);
  }

  validated(result: ValidateResult): void {
    this.heading('Validate (s3://raw → Parquet in s3://transformed, rejects in s3://failed)');
    const tables = Object.entries(result.tables)
      .map(([table, written]) => `${table} ${written.rows.toLocaleString('en')}`)
      .join(', ');
    const rejected = result.rejectedRecords + result.quarantinedPages;
    this.print(
      `  ${rejected ? '!' : '✓'} ${`${result.source}/${result.resource}`.padEnd(32)} ${plural(result.inputRecords, 'record').padStart(15)} → ${tables}${rejected ? `; ${rejected} rejected → s3://failed/${result.rejectKeys[0]}` : ''}`,
    );
  }

  reconciled(counts: ReconcileResult): void {
    for (const warning of counts.resources.flatMap((resource) => resource.warnings))
      this.print(`  ! ${warning}`);
    const { extracted, valid, rejected } = counts.totals;
    this.print(
      `Reconcile: ${extracted.toLocaleString('en')} extracted = ${valid.toLocaleString('en')} valid + ${rejected.toLocaleString('en')} rejected ✓`,
    );
  }

  /** Said once before the run, for a warehouse other than the default DuckDB file. */
  warehouseOpened(kind: WarehouseKind, location: string): void {
    if (kind !== 'duckdb') this.print(`Warehouse: ${location}`);
  }

  qualityStarted(kind: WarehouseKind): void {
    this.heading(
      `Quality (write, audit, publish: the batch merged into CLEAN and checked, in ${ENGINE[kind]})`,
    );
  }

  published(outcome: PublishOutcome): void {
    if (!outcome.analytics) {
      this.print(
        '  Held back: the gate failed, so CLEAN and ANALYTICS are as they were (the batch stays in RAW)',
      );
      return;
    }
    const { built, skipped } = outcome.analytics;
    this.print(
      `  Published to CLEAN: ${outcome.published.join(', ') || 'nothing new'}; ANALYTICS rebuilt: ${plural(built.length, 'model')}`,
    );
    for (const { model, missing } of skipped)
      this.print(
        `  ANALYTICS ${model} not built: it reads ${missing.join(', ')}, which the warehouse does not have`,
      );
  }

  checked(quality: QualityVerdict): void {
    const counted = (status: string) => quality.results.filter((result) => result.status === status).length;
    this.print(
      `  ${quality.results.length} checks: ${counted('pass')} passed, ${counted('warn')} warned, ${counted('fail')} failed`,
    );
    for (const result of quality.results.filter((result) => result.status !== 'pass'))
      this.print(
        `  ${result.status === 'fail' ? '✗' : '!'} ${result.table}: ${result.check} = ${result.metric} (expected ${result.threshold})${result.failingKeys ? ` [${result.failingKeys}]` : ''}`,
      );
  }

  notified(notice: RunNotice): void {
    this.heading('Notify (the alerts topic in AWS)');
    this.print(`  ${notice.subject}`);
  }

  committed(cursors: CommittedCursor[]): void {
    if (!cursors.length) return;
    this.print(
      `Commit state: ${cursors.map((cursor) => `${cursor.source}/${cursor.resource} → ${cursor.cursor}`).join(', ')}`,
    );
  }

  deadLettered(file: string): void {
    this.print(`Dead-letter message: ${file}`);
  }

  loadingAfterFailure(kind: WarehouseKind): void {
    this.print(
      `Load (local Snowpipe: s3://transformed → ${ENGINE[kind]} RAW; nothing is published to CLEAN)`,
    );
  }

  loaded(files: Array<{ rows: number }>, failedFiles: number): void {
    const rows = files.reduce((sum, file) => sum + file.rows, 0);
    this.print(
      `Loaded ${plural(files.length, 'file')} (${plural(rows, 'row')}) into the warehouse${failedFiles ? `; ${plural(failedFiles, 'file')} could not load (above)` : ''}`,
    );
  }
}

/** The fields of a retry or a failure worth reading, in words; the rest (ids, timestamps) left out. */
function describeLogged(line: LoggedLine): string {
  const details = [
    line.status !== undefined ? `HTTP ${String(line.status)}` : undefined,
    typeof line.reason === 'string' ? line.reason : undefined,
    typeof line.attempt === 'number' ? `attempt ${line.attempt}` : undefined,
    typeof line.delayMs === 'number' ? `next in ${(line.delayMs / 1000).toFixed(1)} s` : undefined,
    typeof line.error === 'string' ? line.error : undefined,
    line.error && typeof line.error === 'object' && 'message' in line.error
      ? String((line.error as { message: unknown }).message)
      : undefined,
  ].filter(Boolean);
  return `${line.message}${details.length ? ` (${details.join(', ')})` : ''}`;
}
