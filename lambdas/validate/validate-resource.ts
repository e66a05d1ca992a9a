import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import type { S3Client } from '@aws-sdk/client-s3';
import type { PipelineLogger } from '../shared/logger';
import { Manifest, ManifestPage, readLandedPage } from '../raw-zone/raw-landing';
import { readPath } from '../shared/json-path';
import { ConfigError } from '../shared/errors';
import { readJsonObject } from '../shared/s3-json';
import { batchPrefix, manifestKey } from '../shared/keys';
import type { Contract } from '../contracts/contract';
import { Row, RowBuilder } from '../contracts/row-builder';
import { ParquetSinkOptions, ParquetTableSink, SinkResult } from './parquet-sink';
import { CheckOutcome, RecordChecker } from '../contracts/record-checker';
import type { Reason } from '../contracts/reasons';
import {
  limitBreach,
  RecordRejection,
  rejectableRecord,
  unprocessableReason,
} from '../contracts/record-limits';
import { ExactNumbers, parseJsonExact } from '../shared/exact-json';
import { RejectSink } from './reject-sink';
import { SchemaRegistry } from './schema-registry';
import { batchWarnings } from './batch-rules';
import { ColumnSpec, lineageColumns, TableSpec, writtenColumns } from '../contracts/table-spec';
import { planFastPath } from './fast-path/acceptance-sql';
import { confirmFastPathRecord, runFastPathStage } from './fast-path/fast-path-stage';
import type { ValidateResult } from '../shared/step-messages';

export interface ValidateDeps {
  s3: S3Client;
  rawBucket: string;
  transformedBucket: string;
  failedBucket: string;
  contracts: Map<string, Contract>;
  logger: PipelineLogger;
  /** Let DuckDB write the records it proves acceptable (fast-path/acceptance-sql.ts); default on. */
  fastPath?: boolean;
}

export interface ValidateRequest {
  source: string;
  resource: string;
  batchId: string;
  logicalDate: string;
  /** A slice of the manifest's pages, for a resource too big for one invocation; each group writes its own parts. */
  pageGroup?: { index: number; first: number; count: number };
  sink?: Partial<ParquetSinkOptions>;
}

const defaultSink: ParquetSinkOptions = { rowGroupRows: 5_000, partMaxBytes: 128 * 1024 * 1024 };
/**
 * DuckDB's row groups: larger than the JS writer's (it holds them in compact columns, not objects),
 * and half DuckDB's default, which took validate's peak RSS from 325 to 252 MB (docs/benchmarks.md).
 */
const FAST_PATH_ROW_GROUP_ROWS = 50_000;

/**
 * Turns one resource's raw pages of one batch into typed Parquet (transformed bucket) and reject files
 * (failed bucket). Every record read leaves as a row or as a reject: inputRecords = valid + rejected.
 */
export async function validateResource(
  deps: ValidateDeps,
  request: ValidateRequest,
): Promise<ValidateResult> {
  const contract = deps.contracts.get(`${request.source}/${request.resource}`);
  if (!contract) {
    throw new ConfigError(
      `no contract for ${request.source}/${request.resource}`,
      { source: request.source, resource: request.resource },
      `add sources/${request.source}/contracts/${request.resource}.json (docs/contracts.md)`,
    );
  }
  const batch = {
    source: request.source,
    resource: request.resource,
    logicalDate: request.logicalDate,
    batchId: request.batchId,
  };
  const manifest = await readManifest(deps, manifestKey(batch));
  const registry = new SchemaRegistry(deps.s3, deps.transformedBucket);

  // Tables start from the contract, widened by columns earlier runs evolved.
  const tables: TableSpec[] = structuredClone(contract.tables);
  for (const table of tables) {
    const saved = await registry.current(request.source, table.name);
    // Lineage and parent-key columns (the only names starting with `_`) are added per table below.
    for (const column of saved?.columns ?? []) {
      if (column.name.startsWith('_')) continue;
      if (!table.columns.some((known) => known.name === column.name)) table.columns.push(column);
    }
  }
  const [mainTable] = tables as [TableSpec, ...TableSpec[]];
  const columnsOf = (table: TableSpec): ColumnSpec[] => writtenColumns(table, mainTable, contract.primaryKey);

  const group = request.pageGroup ? `-g${String(request.pageGroup.index).padStart(3, '0')}` : '';
  const partKey = (table: TableSpec, part: number) =>
    `${batchPrefix({ ...batch, resource: table.name })}part${group}-${String(part).padStart(5, '0')}.parquet`;
  const sinkOptions = { ...defaultSink, ...request.sink };
  const first = request.pageGroup?.first ?? 0;
  const pages = manifest.pages.slice(first, request.pageGroup ? first + request.pageGroup.count : undefined);

  const decision =
    deps.fastPath === false
      ? { ineligible: 'switched off (VALIDATE_FAST_PATH=off)' }
      : planFastPath(contract, tables, manifest.recordsPath, new Date());
  if ('ineligible' in decision) deps.logger.info('JS path only', { reason: decision.ineligible });
  const stage =
    'plan' in decision
      ? await runFastPathStage({
          s3: deps.s3,
          rawBucket: deps.rawBucket,
          transformedBucket: deps.transformedBucket,
          plan: decision.plan,
          pages,
          batchId: request.batchId,
          keyForPart: (part) => partKey(mainTable, part),
          rowGroupRows: FAST_PATH_ROW_GROUP_ROWS,
          partMaxBytes: sinkOptions.partMaxBytes,
          logger: deps.logger,
        })
      : undefined;
  const fast = stage?.outcome;
  try {
    // The JS path's parts of the resource's table follow the fast path's.
    const partOffset = (tableIndex: number) => (tableIndex === 0 ? (fast?.keys.length ?? 0) : 0);
    const sinks = tables.map(
      (table, tableIndex) =>
        new ParquetTableSink(
          deps.s3,
          deps.transformedBucket,
          (part) => partKey(table, part + partOffset(tableIndex)),
          columnsOf(table),
          sinkOptions,
        ),
    );
    const rejects = new RejectSink(
      deps.s3,
      deps.failedBucket,
      `${batchPrefix(batch)}rejects${group}-00001.jsonl.gz`,
    );
    const checker = new RecordChecker(contract, mainTable);
    const rowBuilder = new RowBuilder(tables, contract.primaryKey, contract.schema);
    const counts = { input: 0, valid: 0, quarantinedPages: 0 };
    const unreadable: ValidateResult['unreadable'] = [];
    const discardedValues: Record<string, number> = {};
    const fullSinks = new Set<ParquetTableSink>();
    const emit = (tableIndex: number, row: Row) => {
      if (sinks[tableIndex]!.push(row)) fullSinks.add(sinks[tableIndex]!);
    };

    // Pages the fast path wrote whole are only counted; the others are read (from the local copy
    // the fast path made, else from S3, the next while this one is checked) and validated here.
    const toRead = pages
      .map((page, offset) => ({ page, pageNumber: first + offset + 1 }))
      .filter(({ page }) => !fast?.whole.has(page.key));
    for (const page of pages)
      if (fast?.whole.has(page.key)) {
        counts.input += page.records!;
        counts.valid += page.records!;
      }
    const read = (page: ManifestPage) => {
      const local = fast?.downloaded.get(page.key);
      return local
        ? readLocalPage(local.file, local.fetchedAt)
        : readLandedPage(deps.s3, deps.rawBucket, page.key);
    };
    let nextRead = toRead[0] && read(toRead[0].page);
    // If this run fails, the read-ahead's own failure must not surface later as an unhandled rejection.
    const abandonReadAhead = () => void nextRead?.catch(() => undefined);
    try {
      for (const [offset, { page, pageNumber }] of toRead.entries()) {
        const raw = await nextRead!;
        nextRead = toRead[offset + 1] && read(toRead[offset + 1]!.page);
        const parsed = recordsOf(raw.text, manifest.recordsPath);
        if ('rule' in parsed) {
          counts.quarantinedPages += 1;
          if (unreadable.length < 20)
            unreadable.push({ key: page.key, problem: `${parsed.rule}: ${parsed.actual}`.slice(0, 200) });
          await rejects.add({ record: raw.text, reasons: [parsed], sourceKey: page.key, page: pageNumber });
          continue;
        }
        const { records, exact } = parsed;
        const lineage = {
          batchId: request.batchId,
          extractedAtMicros: BigInt(Date.parse(raw.fetchedAt)) * 1000n,
          sourceKey: page.key,
        };
        const verdicts = fast?.partial.get(page.key);
        for (const [index, record] of records.entries()) {
          counts.input += 1;
          if (verdicts?.accepted[index]) {
            confirmFastPathRecord(record, verdicts.hashes[index]!, contract.schema, page.key, index, exact);
            counts.valid += 1;
            continue;
          }
          const reject = (reasons: Reason[]) =>
            rejects.add({
              record: rejectableRecord(record),
              reasons,
              sourceKey: page.key,
              page: pageNumber,
              index,
            });
          // One record never fails more than itself: whatever checking, flattening, hashing or
          // encoding it throws makes it a reject with the reason, and the next record goes on.
          const outcome = recordStep(() => checkRecord(checker, record, exact));
          if ('reasons' in outcome) {
            await reject(outcome.reasons);
            continue;
          }
          // Evolution only ever widens the resource's own table: its next rows go to a new, wider part.
          if (mainTable.columns.length + lineageColumns.length !== sinks[0]!.columnCount)
            await sinks[0]!.changeColumns(columnsOf(mainTable));
          const built = recordStep(() => rowBuilder.build(outcome.record, lineage, exact));
          if ('reasons' in built) {
            await reject(built.reasons);
            continue;
          }
          counts.valid += 1;
          for (const field of outcome.discardedFields)
            discardedValues[field] = (discardedValues[field] ?? 0) + 1;
          for (const { tableIndex, row } of built) emit(tableIndex, row);
          for (const sink of fullSinks) await sink.flushRowGroup();
          fullSinks.clear();
        }
      }
    } catch (error) {
      abandonReadAhead();
      throw error;
    }
    const tableResults: Record<string, SinkResult> = {};
    for (const [index, sink] of sinks.entries()) {
      const written = await sink.close();
      tableResults[tables[index]!.name] =
        index === 0 && fast
          ? { rows: fast.rows + written.rows, keys: [...fast.keys, ...written.keys] }
          : written;
    }
    const rejected = await rejects.close();

    const schemaVersions: Record<string, number> = {};
    for (const table of tables) {
      schemaVersions[table.name] = await registry.record(request.source, table.name, columnsOf(table));
    }

    const result: ValidateResult = {
      source: request.source,
      resource: request.resource,
      batchId: request.batchId,
      inputRecords: counts.input,
      validRecords: counts.valid,
      rejectedRecords: counts.input - counts.valid,
      quarantinedPages: counts.quarantinedPages,
      pages: pages.length,
      unreadable,
      tables: tableResults,
      rejectKeys: rejected.key ? [rejected.key] : [],
      schemaVersions,
      discardedValues,
      // The whole resource is judged once, by the first (or only) page group.
      warnings:
        (request.pageGroup?.index ?? 0) === 0
          ? await batchWarnings(
              deps.s3,
              deps.transformedBucket,
              batch,
              manifest.records,
              manifest.startCursor !== undefined,
            )
          : [],
    };
    for (const warning of result.warnings) deps.logger.warn('batch rule', { warning });
    deps.logger.info('resource validated', {
      ...result,
      tables: Object.fromEntries(Object.entries(tableResults).map(([name, t]) => [name, t.rows])),
    });
    return result;
  } finally {
    stage?.cleanup();
  }
}

async function readManifest(deps: ValidateDeps, key: string): Promise<Manifest> {
  const manifest = (await readJsonObject<Manifest>(deps.s3, deps.rawBucket, key))?.value;
  if (!manifest)
    throw new ConfigError(
      `cannot read the manifest ${key} (there is none)`,
      { key },
      'run extract for this batch first',
    );
  if (!manifest.complete) {
    throw new ConfigError(
      `the manifest ${key} is not complete`,
      { key },
      'finish extract (follow its continuation) before validating',
    );
  }
  return manifest;
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
