import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { FastPathPlan } from './acceptance-sql';
import { sqlName, sqlString } from '../../shared/sql-text';

/** The number in DuckDB's part file names (`data_0.parquet`, `data_1.parquet`, …). */
const partIndex = (name: string) => Number(/(\d+)\.parquet$/.exec(name)?.[1] ?? 0);

/** The Parquet parts runFastPath's COPY has written to a directory so far, in the order it wrote them. */
export function partFiles(directory: string): string[] {
  if (!existsSync(directory)) return [];
  return readdirSync(directory)
    .filter((name) => name.endsWith('.parquet'))
    .sort((a, b) => partIndex(a) - partIndex(b))
    .map((name) => join(directory, name));
}

/** One raw page as a local `.json.gz` file, with the lineage its rows carry. */
export interface LocalPage {
  file: string;
  sourceKey: string;
  extractedAt: string;
  /** Records extract counted at the records path. */
  records: number;
}

/** What DuckDB decided, per record, for a page it could not take whole. */
export interface PageVerdicts {
  /** Per record, in page order: proven acceptable (and written by DuckDB) or left to the JS path. */
  accepted: boolean[];
  /** `_record_hash` DuckDB wrote for each accepted record, for the JS path to confirm. */
  hashes: string[];
}

export interface FastPathResult {
  /** Local Parquet files in order, together holding `rows` rows. */
  parts: string[];
  rows: number;
  /** Pages with a record left to the JS path, keyed by source key; every other page was taken whole. */
  partial: Map<string, PageVerdicts>;
}

export interface FastPathOptions {
  workDirectory: string;
  /** Where DuckDB writes its Parquet parts (created here). */
  partsDirectory: string;
  batchId: string;
  rowGroupRows: number;
  partMaxBytes: number;
}

/**
 * The records of the given page files as (filename, json): one row per record, in page order, each
 * as compact text the reader writes (so a pretty-printed page reads like a compact one), as VARCHAR
 * (compared with JSON's type, the rebuilt text would be parsed, and fail, as JSON).
 */
function recordsOf(plan: FastPathPlan, files: readonly string[]): string {
  const list = `[${files.map(sqlString).join(', ')}]`;
  if (!plan.recordsPath.length)
    return `SELECT filename, json::VARCHAR AS json FROM read_json(${list}, format = 'array', records = false, columns = {json: 'JSON'}, filename = true)`;
  // The records path as nested columns, so the reader skips everything else in the page.
  const [first, ...rest] = plan.recordsPath;
  const type = rest.reduceRight((inner, key) => `STRUCT(${sqlName(key)} ${inner})`, 'JSON[]');
  const access = plan.recordsPath.map(sqlName).join('.');
  return `SELECT filename, unnest(${access})::VARCHAR AS json FROM read_json(${list}, columns = {${sqlString(first!)}: ${sqlString(type)}}, filename = true, format = 'auto')`;
}

/** Each record as text (`json`), as the contract's fields (`f`) and as the typed values the checks read. */
function checkedRecords(plan: FastPathPlan, files: readonly string[]): string {
  const fields = `SELECT filename, json, from_json(json, ${sqlString(plan.structure)}) AS f FROM (${recordsOf(plan, files)})`;
  const typed = plan.typed.map(({ alias, expression }) => `, ${expression} AS ${alias}`).join('');
  return `SELECT filename, json, f${typed} FROM (${fields})`;
}

/**
 * Lets DuckDB (one thread, bounded memory) write the Parquet of every record it proves the contract
 * accepts (fast-path/acceptance-sql.ts), and tells which records of which pages it left for the JS path.
 */
export async function runFastPath(
  plan: FastPathPlan,
  pages: readonly LocalPage[],
  options: FastPathOptions,
): Promise<FastPathResult> {
  // Loaded here, not at the top: without its native binding (a bundle for another platform) validate
  // still starts, and the stage falls back to the JS path saying why.
  // (`require`, not `import()`: the code is CommonJS, and jest runs it without ESM support.)
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { DuckDBInstance } = require('@duckdb/node-api') as typeof import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:', {
    threads: '1',
    memory_limit: '128MB',
    temp_directory: join(options.workDirectory, 'duckdb-spill'),
    // JSON and Parquet are linked in: DuckDB must never look for extensions (no HOME, no network in Lambda).
    home_directory: options.workDirectory,
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
  });
  const connection = await instance.connect();
  try {
    // Without this, DuckDB inlines `from_json` into every condition that reads a field and parses
    // each record once per condition (measured: 3.5× slower; docs/benchmarks.md).
    await connection.run(`SET disabled_optimizers = 'filter_pushdown'`);
    await connection.run(`SET TimeZone = 'UTC'`);
    await connection.run(`CREATE TABLE pages (filename VARCHAR, source_key VARCHAR, extracted_at VARCHAR)`);
    const appender = await connection.createAppender('pages');
    for (const page of pages) {
      appender.appendVarchar(page.file);
      appender.appendVarchar(page.sourceKey);
      appender.appendVarchar(page.extractedAt);
      appender.endRow();
    }
    appender.closeSync();

    const output = options.partsDirectory;
    mkdirSync(output, { recursive: true });
    const columns = plan.columns.map(({ name, expression }) => `${expression} AS ${sqlName(name)}`);
    await connection.run(`COPY (
      SELECT ${columns.join(', ')}, ${sqlString(options.batchId)} AS _batch_id, p.extracted_at::TIMESTAMPTZ AS _extracted_at,
             p.source_key AS _source_key, md5(r.json) AS _record_hash
      FROM (${checkedRecords(
        plan,
        pages.map((page) => page.file),
      )}) AS r JOIN pages AS p USING (filename)
      WHERE ${plan.accepted}
    ) TO ${sqlString(output)} (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE ${options.rowGroupRows},
      FILE_SIZE_BYTES ${options.partMaxBytes}, OVERWRITE_OR_IGNORE)`);

    const parts = partFiles(output);
    const written = new Map<string, number>();
    if (parts.length) {
      const counts = await connection.runAndReadAll(
        `SELECT _source_key, count(*)::INTEGER FROM read_parquet([${parts.map(sqlString).join(', ')}]) GROUP BY ALL`,
      );
      for (const [key, count] of counts.getRows()) written.set(String(key), Number(count));
    }
    let rows = 0;
    const partial = new Map<string, PageVerdicts>();
    for (const page of pages) {
      const count = written.get(page.sourceKey) ?? 0;
      rows += count;
      if (count !== page.records) partial.set(page.sourceKey, await verdicts(connection, plan, page));
    }
    return { parts: rows ? parts : [], rows, partial };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** The same decision as the COPY above, record by record, for one page (in page order). */
async function verdicts(
  connection: DuckDBConnection,
  plan: FastPathPlan,
  page: LocalPage,
): Promise<PageVerdicts> {
  const result = await connection.runAndReadAll(
    `SELECT ${plan.accepted} AS accepted, md5(json) FROM (${checkedRecords(plan, [page.file])})`,
  );
  const accepted: boolean[] = [];
  const hashes: string[] = [];
  for (const [ok, hash] of result.getRows()) {
    accepted.push(ok === true);
    hashes.push(String(hash));
  }
  return { accepted, hashes };
}
