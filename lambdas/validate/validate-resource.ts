import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { PipelineLogger } from '../shared/logger';
import type { Manifest } from '../extract/raw-landing';
import { readPath } from '../shared/json-path';
import { ConfigError } from '../shared/errors';
import { readJsonObject } from '../shared/s3-json';
import { batchPrefix, manifestKey } from '../shared/keys';
import type { Contract } from './contract';
import { Row, RowBuilder } from './normalize';
import { ParquetSinkOptions, ParquetTableSink, SinkResult } from './parquet-sink';
import { RecordChecker } from './record-checker';
import { RejectSink } from './reject-sink';
import { SchemaRegistry } from './schema-registry';
import { batchWarnings } from './batch-rules';
import { ColumnSpec, lineageColumns, TableSpec, writtenColumns } from './table-spec';

export interface ValidateDeps {
  s3: S3Client;
  rawBucket: string;
  transformedBucket: string;
  failedBucket: string;
  contracts: Map<string, Contract>;
  logger: PipelineLogger;
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

export interface ValidateResult {
  source: string;
  resource: string;
  batchId: string;
  inputRecords: number;
  validRecords: number;
  rejectedRecords: number;
  /** Pages that could not be read as records at all (quarantined whole; not in inputRecords). */
  quarantinedPages: number;
  tables: Record<string, { rows: number; keys: string[] }>;
  rejectKeys: string[];
  schemaVersions: Record<string, number>;
  /** discard_value mode: how often each unknown field was dropped from an accepted record. */
  discardedValues: Record<string, number>;
  /** Batch-level warnings (the pre-load tier of data quality), e.g. a resource that came back empty. */
  warnings: string[];
}

const defaultSink: ParquetSinkOptions = { rowGroupRows: 5_000, partMaxBytes: 128 * 1024 * 1024 };

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
      `add lambdas/validate/contracts/${request.source}/${request.resource}.json (docs/contracts.md)`,
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
  const sinkOptions = { ...defaultSink, ...request.sink };
  const sinks = tables.map(
    (table) =>
      new ParquetTableSink(
        deps.s3,
        deps.transformedBucket,
        (part) =>
          `${batchPrefix({ ...batch, resource: table.name })}part${group}-${String(part).padStart(5, '0')}.parquet`,
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
  const rowBuilder = new RowBuilder(tables, contract.primaryKey);
  const counts = { input: 0, valid: 0, quarantinedPages: 0 };
  const discardedValues: Record<string, number> = {};
  const fullSinks = new Set<ParquetTableSink>();
  const emit = (tableIndex: number, row: Row) => {
    if (sinks[tableIndex]!.push(row)) fullSinks.add(sinks[tableIndex]!);
  };

  const first = request.pageGroup?.first ?? 0;
  const pages = manifest.pages.slice(first, request.pageGroup ? first + request.pageGroup.count : undefined);
  // The next page is read while this one is checked and written.
  let nextRead = pages[0] && readRawPage(deps, pages[0].key);
  // If this run fails, the read-ahead's own failure must not surface later as an unhandled rejection.
  const abandonReadAhead = () => void nextRead?.catch(() => undefined);
  try {
    for (const [offset, page] of pages.entries()) {
      const pageNumber = first + offset + 1;
      const raw = await nextRead!;
      nextRead = pages[offset + 1] && readRawPage(deps, pages[offset + 1]!.key);
      const records = recordsOf(raw.text, manifest.recordsPath);
      if (!Array.isArray(records)) {
        counts.quarantinedPages += 1;
        await rejects.add({ record: raw.text, reasons: [records], sourceKey: page.key, page: pageNumber });
        continue;
      }
      const lineage = {
        batchId: request.batchId,
        extractedAtMicros: BigInt(Date.parse(raw.fetchedAt)) * 1000n,
        sourceKey: page.key,
      };
      for (const [index, record] of records.entries()) {
        counts.input += 1;
        const outcome = checker.check(record);
        if (!outcome.accepted) {
          await rejects.add({
            record,
            reasons: outcome.reasons,
            sourceKey: page.key,
            page: pageNumber,
            index,
          });
          continue;
        }
        counts.valid += 1;
        for (const field of outcome.discardedFields)
          discardedValues[field] = (discardedValues[field] ?? 0) + 1;
        // Evolution only ever widens the resource's own table: its next rows go to a new, wider part.
        if (mainTable.columns.length + lineageColumns.length !== sinks[0]!.columnCount)
          await sinks[0]!.changeColumns(columnsOf(mainTable));
        rowBuilder.build(outcome.record, lineage, emit);
        for (const sink of fullSinks) await sink.flushRowGroup();
        fullSinks.clear();
      }
    }
  } catch (error) {
    abandonReadAhead();
    throw error;
  }

  const tableResults: Record<string, SinkResult> = {};
  for (const [index, sink] of sinks.entries()) tableResults[tables[index]!.name] = await sink.close();
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

async function readRawPage(deps: ValidateDeps, key: string): Promise<{ text: string; fetchedAt: string }> {
  const answer = await deps.s3.send(new GetObjectCommand({ Bucket: deps.rawBucket, Key: key }));
  const bytes = Buffer.from(await answer.Body!.transformToByteArray());
  const fetchedAt =
    answer.Metadata?.['fetched-at'] ?? answer.LastModified?.toISOString() ?? new Date(0).toISOString();
  return { text: gunzipSync(bytes).toString('utf8'), fetchedAt };
}

/** The page's records, or the reason the page as a whole cannot be read. */
function recordsOf(
  text: string,
  recordsPath: string,
): unknown[] | { field: string; rule: string; expected: string; actual: string } {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    return { field: '', rule: 'invalid_json', expected: 'a JSON document', actual: (error as Error).message };
  }
  const records = readPath(document, recordsPath);
  if (Array.isArray(records)) return records;
  return {
    field: recordsPath || '(body)',
    rule: 'records_path',
    expected: 'an array of records',
    actual: records === undefined ? 'missing' : typeof records,
  };
}
