import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import type { S3Client } from '@aws-sdk/client-s3';
import { ManifestPage, readLandedPage } from '../raw-zone/raw-landing';
import { readPath } from '../shared/json-path';
import type { Contract } from '../contracts/contract';
import { Row, RowBuilder } from '../contracts/row-builder';
import { CheckOutcome, RecordChecker } from '../contracts/record-checker';
import type { Reason } from '../contracts/reasons';
import {
  limitBreach,
  RecordRejection,
  rejectableRecord,
  unprocessableReason,
} from '../contracts/record-limits';
import { ExactNumbers, NO_ROUNDED_INTEGERS, parseJsonExact } from '../shared/exact-json';
import { readXmlPage, typedByContract } from '../sources/xml-body';
import { ColumnSpec, lineageColumns, TableSpec } from '../contracts/table-spec';
import type { ValidateResult } from '../shared/step-messages';
import { ParquetSinkOptions, ParquetTableSink, SinkResult } from './parquet-sink';
import { RejectSink } from './reject-sink';
import { confirmFastPathRecord, FastPathOutcome } from './fast-path/fast-path-stage';

/** What the JS path needs to know of the page group it validates. */
export interface JsPathInput {
  s3: S3Client;
  rawBucket: string;
  transformedBucket: string;
  failedBucket: string;
  contract: Contract;
  /** The contract's tables, widened by columns earlier runs evolved; the first is the resource's own. */
  tables: TableSpec[];
  columnsOf(table: TableSpec): ColumnSpec[];
  /** Where the table's `part`-th Parquet part goes. */
  partKey(table: TableSpec, part: number): string;
  rejectsKey: string;
  sinkOptions: ParquetSinkOptions;
  /** The group's pages, with their page number in the whole manifest. */
  pages: Array<{ page: ManifestPage; pageNumber: number }>;
  recordsPath: string;
  /** How the raw pages are written. */
  format: 'json' | 'xml';
  batchId: string;
  /** What the DuckDB fast path did first, if it ran: its pages are only counted or confirmed here. */
  fast?: FastPathOutcome;
}

export type JsPathOutcome = Pick<
  ValidateResult,
  | 'inputRecords'
  | 'validRecords'
  | 'quarantinedPages'
  | 'unreadable'
  | 'discardedValues'
  | 'tables'
  | 'rejectKeys'
>;

/**
 * At most this many unreadable pages are named in the result (all are counted, and all are in the
 * reject file): the result travels in the execution's state, whose 256 KB a run of many resources
 * whose pages all came back as HTML would otherwise outgrow (docs/benchmarks.md, "One execution").
 */
export const UNREADABLE_NAMED = 3;

/**
 * The record-by-record path: every record of the pages the fast path did not write whole is checked
 * against the contract, flattened into its tables' rows and written to Parquet, or rejected with its
 * reasons. Every record read leaves as a row or as a reject.
 */
export async function runJsPath(input: JsPathInput): Promise<JsPathOutcome> {
  return new JsPath(input).run();
}

class JsPath {
  private readonly mainTable: TableSpec;
  private readonly sinks: ParquetTableSink[];
  private readonly rejects: RejectSink;
  private readonly checker: RecordChecker;
  private readonly rowBuilder: RowBuilder;
  private readonly fullSinks = new Set<ParquetTableSink>();
  private readonly counts = { input: 0, valid: 0, quarantinedPages: 0 };
  private readonly unreadable: ValidateResult['unreadable'] = [];
  private readonly discardedValues: Record<string, number> = {};

  constructor(private readonly input: JsPathInput) {
    const { contract, tables, fast } = input;
    this.mainTable = tables[0]!;
    // The JS path's parts of the resource's table follow the fast path's.
    const partOffset = (tableIndex: number) => (tableIndex === 0 ? (fast?.keys.length ?? 0) : 0);
    this.sinks = tables.map(
      (table, tableIndex) =>
        new ParquetTableSink(
          input.s3,
          input.transformedBucket,
          (part) => input.partKey(table, part + partOffset(tableIndex)),
          input.columnsOf(table),
          input.sinkOptions,
        ),
    );
    this.rejects = new RejectSink(input.s3, input.failedBucket, input.rejectsKey);
    this.checker = new RecordChecker(contract, this.mainTable);
    this.rowBuilder = new RowBuilder(tables, contract.primaryKey, contract.schema);
  }

  async run(): Promise<JsPathOutcome> {
    const { fast } = this.input;
    // Pages the fast path wrote whole are only counted; the others are read and validated here.
    for (const { page } of this.input.pages)
      if (fast?.whole.has(page.key)) {
        this.counts.input += page.records!;
        this.counts.valid += page.records!;
      }
    await this.validatePages(this.input.pages.filter(({ page }) => !fast?.whole.has(page.key)));
    return this.close();
  }

  /** Reads each page (the next while this one is checked) and validates its records. */
  private async validatePages(toRead: JsPathInput['pages']): Promise<void> {
    let nextRead = toRead[0] && this.read(toRead[0].page);
    try {
      for (const [offset, { page, pageNumber }] of toRead.entries()) {
        const raw = await nextRead!;
        nextRead = toRead[offset + 1] && this.read(toRead[offset + 1]!.page);
        await this.validatePage(raw, page, pageNumber);
      }
    } catch (error) {
      // If this run fails, the read-ahead's own failure must not surface later as an unhandled rejection.
      void nextRead?.catch(() => undefined);
      throw error;
    }
  }

  /** A page from the local copy the fast path made, else from S3. */
  private read(page: ManifestPage): Promise<{ text: string; fetchedAt: string }> {
    const local = this.input.fast?.downloaded.get(page.key);
    return local
      ? readLocalPage(local.file, local.fetchedAt)
      : readLandedPage(this.input.s3, this.input.rawBucket, page.key);
  }

  private async validatePage(
    raw: { text: string; fetchedAt: string },
    page: ManifestPage,
    pageNumber: number,
  ): Promise<void> {
    const parsed =
      this.input.format === 'xml'
        ? xmlRecordsOf(raw.text, this.input.recordsPath, this.input.contract.schema)
        : recordsOf(raw.text, this.input.recordsPath);
    if ('rule' in parsed) {
      this.counts.quarantinedPages += 1;
      if (this.unreadable.length < UNREADABLE_NAMED)
        this.unreadable.push({ key: page.key, problem: `${parsed.rule}: ${parsed.actual}`.slice(0, 120) });
      await this.rejects.add({ record: raw.text, reasons: [parsed], sourceKey: page.key, page: pageNumber });
      return;
    }
    const { records, exact } = parsed;
    const lineage = {
      batchId: this.input.batchId,
      extractedAtMicros: BigInt(Date.parse(raw.fetchedAt)) * 1000n,
      sourceKey: page.key,
    };
    const verdicts = this.input.fast?.partial.get(page.key);
    for (const [index, record] of records.entries()) {
      this.counts.input += 1;
      if (verdicts?.accepted[index]) {
        confirmFastPathRecord(
          record,
          verdicts.hashes[index]!,
          this.input.contract.schema,
          page.key,
          index,
          exact,
        );
        this.counts.valid += 1;
        continue;
      }
      // One record never fails more than itself: whatever checking, flattening, hashing or encoding
      // it throws makes it a reject with the reason, and the next record goes on.
      const reject = (reasons: Reason[]) =>
        this.rejects.add({
          record: rejectableRecord(record),
          reasons,
          sourceKey: page.key,
          page: pageNumber,
          index,
        });
      const outcome = recordStep(() => checkRecord(this.checker, record, exact));
      if ('reasons' in outcome) {
        await reject(outcome.reasons);
        continue;
      }
      // Evolution only ever widens the resource's own table: its next rows go to a new, wider part.
      if (this.mainTable.columns.length + lineageColumns.length !== this.sinks[0]!.columnCount)
        await this.sinks[0]!.changeColumns(this.input.columnsOf(this.mainTable));
      const built = recordStep(() => this.rowBuilder.build(outcome.record, lineage, exact));
      if ('reasons' in built) {
        await reject(built.reasons);
        continue;
      }
      this.accept(outcome.discardedFields, built);
      if (this.fullSinks.size) await this.flushFullSinks();
    }
  }

  /** A record's rows go to their tables' sinks; the fields its contract discarded are counted. */
  private accept(discardedFields: readonly string[], built: ReturnType<RowBuilder['build']>): void {
    this.counts.valid += 1;
    for (const field of discardedFields) this.discardedValues[field] = (this.discardedValues[field] ?? 0) + 1;
    for (const { tableIndex, row } of built) this.emit(tableIndex, row);
  }

  private async flushFullSinks(): Promise<void> {
    for (const sink of this.fullSinks) await sink.flushRowGroup();
    this.fullSinks.clear();
  }

  private emit(tableIndex: number, row: Row): void {
    if (this.sinks[tableIndex]!.push(row)) this.fullSinks.add(this.sinks[tableIndex]!);
  }

  /** Writes the last row groups and the rejects; the resource's table counts the fast path's parts too. */
  private async close(): Promise<JsPathOutcome> {
    const { fast, tables } = this.input;
    const tableResults: Record<string, SinkResult> = {};
    for (const [index, sink] of this.sinks.entries()) {
      const written = await sink.close();
      tableResults[tables[index]!.name] =
        index === 0 && fast
          ? { rows: fast.rows + written.rows, keys: [...fast.keys, ...written.keys] }
          : written;
    }
    const rejected = await this.rejects.close();
    return {
      inputRecords: this.counts.input,
      validRecords: this.counts.valid,
      quarantinedPages: this.counts.quarantinedPages,
      unreadable: this.unreadable,
      discardedValues: this.discardedValues,
      tables: tableResults,
      rejectKeys: rejected.key ? [rejected.key] : [],
    };
  }
}

/** A raw page the fast path downloaded. */
async function readLocalPage(file: string, fetchedAt: string): Promise<{ text: string; fetchedAt: string }> {
  return { text: gunzipSync(await readFile(file)).toString('utf8'), fetchedAt };
}

/** The page's records (integers a double would round kept exactly), or why the page cannot be read. */
function recordsOf(
  text: string,
  recordsPath: string,
):
  | { records: unknown[]; exact: ExactNumbers }
  | { field: string; rule: string; expected: string; actual: string } {
  let parsed: ReturnType<typeof parseJsonExact>;
  try {
    parsed = parseJsonExact(text);
  } catch (error) {
    return { field: '', rule: 'invalid_json', expected: 'a JSON document', actual: (error as Error).message };
  }
  const records = readPath(parsed.document, recordsPath);
  if (Array.isArray(records)) return { records, exact: parsed.exact };
  return {
    field: recordsPath || '(body)',
    rule: 'records_path',
    expected: 'an array of records',
    actual: records === undefined ? 'missing' : typeof records,
  };
}

/**
 * An XML page's records, typed by the contract (sources/xml-body.ts), or why the page cannot be read:
 * not well-formed, a SOAP Fault, or no element at the records path.
 */
function xmlRecordsOf(
  text: string,
  recordsPath: string,
  schema: unknown,
):
  | { records: unknown[]; exact: ExactNumbers }
  | { field: string; rule: string; expected: string; actual: string } {
  const page = readXmlPage(text, recordsPath);
  if (!('content' in page)) {
    const expected = {
      invalid_xml: 'an XML document',
      soap_fault: 'records',
      records_path: 'the repeated record element',
    };
    return {
      field: page.rule === 'records_path' ? recordsPath : '',
      rule: page.rule,
      expected: expected[page.rule],
      actual: page.actual,
    };
  }
  // Text stays text in XML: no integer was rounded by a parser, so nothing needs its literal kept.
  return {
    records: page.content.records.map((record) =>
      typedByContract(record, schema as Parameters<typeof typedByContract>[1]),
    ),
    exact: NO_ROUNDED_INTEGERS,
  };
}

/** A record nested too deep is refused before the checker's walkers touch it; then the contract decides. */
function checkRecord(
  checker: RecordChecker,
  record: unknown,
  exact: ExactNumbers,
): Extract<CheckOutcome, { accepted: true }> | { reasons: Reason[] } {
  const breach = limitBreach(record);
  if (breach) return { reasons: [breach] };
  const outcome = checker.check(record, exact);
  return outcome.accepted ? outcome : { reasons: outcome.reasons };
}

/** Runs one record's step; a failure of that record alone becomes its reasons. */
function recordStep<T extends object>(step: () => T | { reasons: Reason[] }): T | { reasons: Reason[] } {
  try {
    return step();
  } catch (error) {
    return { reasons: [error instanceof RecordRejection ? error.reason : unprocessableReason(error)] };
  }
}
