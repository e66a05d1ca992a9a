import type { S3Client } from '@aws-sdk/client-s3';
import type { PipelineLogger } from '../shared/logger';
import type { Manifest, ManifestPage } from '../raw-zone/raw-landing';
import { ConfigError } from '../shared/errors';
import { readJsonObject } from '../shared/s3-json';
import { batchPrefix, manifestKey } from '../shared/keys';
import type { Contract } from '../contracts/contract';
import { ColumnSpec, TableSpec, writtenColumns } from '../contracts/table-spec';
import type { ValidateResult } from '../shared/step-messages';
import type { ParquetSinkOptions } from './parquet-sink';
import { SchemaRegistry, widenedTables } from '../contracts/schema-registry';
import { batchWarnings } from './batch-rules';
import { planFastPath } from './fast-path/acceptance-sql';
import { runFastPathStage } from './fast-path/fast-path-stage';
import { runJsPath } from './js-path';

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
 * DuckDB writes first what it proves acceptable (fast-path/); the JS path does everything else.
 */
export async function validateResource(
  deps: ValidateDeps,
  request: ValidateRequest,
): Promise<ValidateResult> {
  const contract = contractOf(deps, request);
  const batch = {
    source: request.source,
    resource: request.resource,
    logicalDate: request.logicalDate,
    batchId: request.batchId,
  };
  const manifest = await readManifest(deps, manifestKey(batch));
  const registry = new SchemaRegistry(deps.s3, deps.transformedBucket);
  const tables = widenedTables(contract, await registry.evolvedColumns(contract));
  const columnsOf = (table: TableSpec): ColumnSpec[] =>
    writtenColumns(table, tables[0]!, contract.primaryKey);
  const group = request.pageGroup ? `-g${String(request.pageGroup.index).padStart(3, '0')}` : '';
  const partKey = (table: TableSpec, part: number) =>
    `${batchPrefix({ ...batch, resource: table.name })}part${group}-${String(part).padStart(5, '0')}.parquet`;
  const sinkOptions = { ...defaultSink, ...request.sink };
  const first = request.pageGroup?.first ?? 0;
  const pages = manifest.pages.slice(first, request.pageGroup ? first + request.pageGroup.count : undefined);

  // DuckDB's fast path reads JSON pages; XML pages take the JavaScript path, whole.
  const stage =
    manifest.format === 'xml'
      ? undefined
      : await fastPathStage(deps, request, contract, tables, manifest.recordsPath, {
          pages,
          keyForPart: (part) => partKey(tables[0]!, part),
          partMaxBytes: sinkOptions.partMaxBytes,
        });
  try {
    const validated = await runJsPath({
      ...deps,
      contract,
      tables,
      columnsOf,
      partKey,
      rejectsKey: `${batchPrefix(batch)}rejects${group}-00001.jsonl.gz`,
      sinkOptions,
      pages: pages.map((page, offset) => ({ page, pageNumber: first + offset + 1 })),
      recordsPath: manifest.recordsPath,
      format: manifest.format ?? 'json',
      batchId: request.batchId,
      ...(stage ? { fast: stage.outcome } : {}),
    });
    const schemaVersions: Record<string, number> = {};
    for (const table of tables)
      schemaVersions[table.name] = await registry.record(request.source, table.name, columnsOf(table));

    const result: ValidateResult = {
      source: request.source,
      resource: request.resource,
      batchId: request.batchId,
      ...validated,
      rejectedRecords: validated.inputRecords - validated.validRecords,
      pages: pages.length,
      schemaVersions,
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
      tables: Object.fromEntries(Object.entries(result.tables).map(([name, t]) => [name, t.rows])),
    });
    return result;
  } finally {
    stage?.cleanup();
  }
}

function contractOf(deps: ValidateDeps, request: ValidateRequest): Contract {
  const contract = deps.contracts.get(`${request.source}/${request.resource}`);
  if (!contract)
    throw new ConfigError(
      `no contract for ${request.source}/${request.resource}`,
      { source: request.source, resource: request.resource },
      `add sources/${request.source}/contracts/${request.resource}.json (docs/contracts.md)`,
    );
  return contract;
}

/** The DuckDB fast path over the group, when the contract and the switch allow it; else nothing. */
async function fastPathStage(
  deps: ValidateDeps,
  request: ValidateRequest,
  contract: Contract,
  tables: TableSpec[],
  recordsPath: string,
  parts: { pages: ManifestPage[]; keyForPart(part: number): string; partMaxBytes: number },
) {
  const decision =
    deps.fastPath === false
      ? { ineligible: 'switched off (VALIDATE_FAST_PATH=off)' }
      : planFastPath(contract, tables, recordsPath, new Date());
  if ('ineligible' in decision) {
    deps.logger.info('JS path only', { reason: decision.ineligible });
    return undefined;
  }
  return runFastPathStage({
    s3: deps.s3,
    rawBucket: deps.rawBucket,
    transformedBucket: deps.transformedBucket,
    plan: decision.plan,
    ...parts,
    batchId: request.batchId,
    rowGroupRows: FAST_PATH_ROW_GROUP_ROWS,
    logger: deps.logger,
  });
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
