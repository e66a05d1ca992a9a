import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tmpdir } from 'node:os';
import { DuckDBConnection, DuckDBInstance, DuckDBValue } from '@duckdb/node-api';
import { duckdbTypes, sqlName, sqlString } from '../../lambdas/shared/sql-text';
import { loadContracts } from '../../lambdas/contracts/contract';
import { writtenColumns } from '../../lambdas/contracts/table-spec';
import type { SqlBind, SqlExecutor } from '../../lambdas/warehouse/sql-executor';
import { catalogueCleanModels } from '../../lambdas/warehouse/clean-models';
import { tableMigrations } from '../../lambdas/warehouse/migrations';
import { duckdbDialect } from '../../lambdas/quality/dialect';
import { sqlDirectory } from '../../lambdas/warehouse/sql-directory';
import type { PipelineRun } from '../../lambdas/warehouse/pipeline-runs';
import type { RunOutcome } from '../../lambdas/shared/run-outcome';
import {
  countRowsPerTable,
  LayerName,
  mergeStreamedTables,
  PipelineWarehouse,
  recordRunIn,
} from './pipeline-warehouse';

/**
 * The RAW table a transformed object loads into: `<source>/<table>/dt=…/batch=…/part-….parquet` from the
 * batch path, `stream/events/dt=…/….jsonl.gz` from the streaming path (Firehose's JSON lines).
 */
export function warehouseTableOf(transformedKey: string): string | undefined {
  const part = /^([a-z0-9_]+)\/([a-z0-9_]+)\/dt=[^/]+\/batch=[^/]+\/part[^/]*\.parquet$/.exec(transformedKey);
  if (part) return `${part[1]}__${part[2]}`;
  const stream = /^stream\/([a-z0-9_]+)\/dt=[^/]+\/[^/]+\.jsonl\.gz$/.exec(transformedKey);
  return stream ? `stream__${stream[1]}` : undefined;
}

/**
 * The columns of a table loaded from JSON lines, typed by its contract (`stream/events` for
 * `stream__events`), as Snowflake's table is: never inferred from one file, where an all-integer
 * `amount` would make a BIGINT column that rounds every later 9.5.
 */
const jsonColumns = (table: string) => {
  const columns = jsonColumnsOf(table);
  return columns ? `columns = ${columns}` : 'sample_size = -1';
};

let contracts: ReturnType<typeof loadContracts> | undefined;

function jsonColumnsOf(table: string): string | undefined {
  const [source, resource] = table.split('__');
  contracts ??= loadContracts();
  const contract = contracts.get(`${source}/${resource}`);
  const main = contract?.tables[0];
  if (!contract || !main) return undefined;
  const columns = writtenColumns(main, main, contract.primaryKey).map(
    (column) => `${sqlString(column.name)}: ${sqlString(duckdbTypes[column.type])}`,
  );
  return `{${columns.join(', ')}}`;
}

/**
 * A table's file written to `scratch` for DuckDB to read: `reader` its rows with `file_row_number`
 * (from 0), `source` its rows as RAW holds them, with Snowpipe's metadata columns (`_file_name`,
 * `_file_row_number` from 1, `_loaded_at`). Both warehouses load files through this.
 */
export function stagedFile(
  scratch: string,
  fileName: string,
  table: string,
  bytes: Uint8Array,
): { reader: string; source: string } {
  const isParquet = fileName.endsWith('.parquet');
  const file = join(scratch, isParquet ? 'part.parquet' : 'part.jsonl.gz');
  writeFileSync(file, bytes);
  const reader = isParquet
    ? `read_parquet(${sqlString(file)}, file_row_number = true)`
    : `(select *, row_number() over () - 1 as file_row_number from read_json(${sqlString(file)}, format = 'newline_delimited', compression = 'gzip', ${jsonColumns(table)}))`;
  const source = `(select *, ${sqlString(fileName)} as _file_name, file_row_number + 1 as _file_row_number, now() as _loaded_at
        from ${reader})`;
  return { reader, source };
}

export interface OpenOptions {
  /** How long to wait for another process's lock on the file. @default 30 s */
  waitForLockMs?: number;
  /** Told once when the file is locked and this waits. */
  onWait?: (message: string) => void;
}

const lockHeld = (error: unknown) => /Conflicting lock is held/.test((error as Error).message ?? '');

async function createWhenFree(path: string, options: OpenOptions): Promise<DuckDBInstance> {
  const deadline = Date.now() + (options.waitForLockMs ?? 30_000);
  for (let told = false; ; told = true) {
    try {
      return await DuckDBInstance.create(path);
    } catch (error) {
      if (!lockHeld(error)) throw error;
      if (Date.now() >= deadline)
        throw new Error(
          `the warehouse ${path} is in use by another command (${(error as Error).message.replace(/\. See also.*$/, '')}): wait for it to finish, or stop it`,
          { cause: error },
        );
      if (!told) options.onWait?.(`the warehouse ${path} is in use by another command; waiting for it`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

async function rowsOf(
  connection: DuckDBConnection,
  sql: string,
  values?: SqlBind[],
): Promise<Record<string, unknown>[]> {
  const reader = await connection.runAndReadAll(sql, values as DuckDBValue[] | undefined);
  return reader.getRowObjectsJS() as Record<string, unknown>[];
}

/** A day is a UTC day, as Snowflake casts the pipeline's TIMESTAMP_TZ values (all UTC) to dates. */
const UTC_DAYS = "set TimeZone = 'UTC';";

/**
 * A migration's statement with the Snowflake type names DuckDB lacks given as DuckDB's nearest:
 * TIMESTAMP_TZ, FLOAT (a double in Snowflake, a single in DuckDB) and NUMBER(38, 0).
 */
function inDuckdbTypes(statement: string): string {
  return statement
    .replace(/\btimestamp_tz\b/gi, 'timestamptz')
    .replace(/\bfloat\b/gi, 'double')
    .replace(/\bnumber\(38,\s*0\)/gi, 'bigint');
}

/**
 * The local warehouse: one DuckDB file with Snowflake's three layers. RAW gets each transformed Parquet
 * file as it arrives, once (the load history is Snowpipe's "a file loads once"); CLEAN keeps the latest
 * version of each record by primary key, published by each run's quality step; ANALYTICS holds the
 * models in sql/models/analytics, rebuilt after each publish.
 */
export class LocalWarehouse implements PipelineWarehouse {
  readonly kind = 'duckdb';
  readonly dialect = duckdbDialect;

  private constructor(
    readonly path: string,
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
  ) {}

  get location(): string {
    return this.path;
  }

  /**
   * Opens (or creates) the warehouse file. DuckDB lets one process write at a time: while another
   * command holds the file (npm start, or npm run serve loading a file), this waits up to
   * `waitForLockMs`, telling `onWait` once, then fails with what to do.
   */
  static async open(path: string, options: OpenOptions = {}): Promise<LocalWarehouse> {
    mkdirSync(dirname(path), { recursive: true });
    const instance = await createWhenFree(path, options);
    const connection = await instance.connect();
    const warehouse = new LocalWarehouse(path, instance, connection);
    await connection.run(`
      create schema if not exists raw;
      create schema if not exists clean;
      create schema if not exists analytics;
      create table if not exists raw._load_history (
        file_name varchar primary key, table_name varchar not null, row_count bigint not null, loaded_at timestamptz not null
      );
      ${UTC_DAYS}`);
    // ANALYTICS' own tables (the run log, the check results, the table loads) from the migrations
    // Snowflake's setup applies, each run again (every one is IF NOT EXISTS).
    for (const migration of tableMigrations(join(sqlDirectory(), 'migrations')))
      for (const statement of migration.statements) await connection.run(inDuckdbTypes(statement));
    return warehouse;
  }

  /**
   * Loads one file (a Parquet part, or the stream's gzip JSON lines) into its RAW table with the file name, row number and load time, unless a
   * file of that name was loaded before. New columns (schema evolution) are added to the table first.
   * Returns the rows loaded (0 when the file was already loaded).
   */
  async loadFile(fileName: string, bytes: Uint8Array): Promise<number> {
    const table = warehouseTableOf(fileName);
    if (!table) return 0;
    const seen = await this.rows(`select 1 from raw._load_history where file_name = ${sqlString(fileName)}`);
    if (seen.length) return 0;
    const scratch = mkdtempSync(join(tmpdir(), 'snowpipe-'));
    try {
      const { reader, source } = stagedFile(scratch, fileName, table, bytes);
      const target = `raw.${sqlName(table)}`;
      const exists = await this.rows(
        `select 1 from information_schema.tables where table_schema = 'raw' and table_name = ${sqlString(table)}`,
      );
      if (!exists.length) {
        await this.connection.run(
          `create table ${target} as select * exclude (file_row_number) from ${source} limit 0`,
        );
      }
      const incoming = await this.rows(`describe select * exclude (file_row_number) from ${source}`);
      const existing = new Set(
        (
          await this.rows(
            `select column_name from information_schema.columns where table_schema = 'raw' and table_name = ${sqlString(table)}`,
          )
        ).map((row) => String(row.column_name)),
      );
      for (const column of incoming.filter((row) => !existing.has(String(row.column_name)))) {
        await this.connection.run(
          `alter table ${target} add column ${sqlName(String(column.column_name))} ${column.column_type}`,
        );
      }
      await this.connection.run('begin transaction');
      try {
        await this.connection.run(
          `insert into ${target} by name select * exclude (file_row_number) from ${source}`,
        );
        const [{ loaded }] = (await this.rows(`select count(*)::bigint as loaded from ${reader}`)) as [
          { loaded: bigint },
        ];
        await this.connection.run(
          `insert into raw._load_history values (${sqlString(fileName)}, ${sqlString(table)}, ${loaded}, now())`,
        );
        await this.connection.run('commit');
        return Number(loaded);
      } catch (error) {
        await this.connection.run('rollback');
        throw error;
      }
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }

  /** The streaming path's CLEAN tables merged from all of RAW, as Snowflake's task does. */
  mergeStreamed(models = catalogueCleanModels()): Promise<string[]> {
    return mergeStreamedTables(this.executor(), duckdbDialect, models);
  }

  /**
   * `work` on a connection of its own, closed after it: for a transaction (the quality step's
   * write-audit-publish) that the local Snowpipe's loads, on the main connection, must not join.
   */
  async inSession<T>(work: (executor: SqlExecutor) => Promise<T>): Promise<T> {
    const connection = await this.instance.connect();
    try {
      await connection.run(UTC_DAYS);
      return await work({ execute: (sqlText, binds) => rowsOf(connection, sqlText, binds) });
    } finally {
      connection.closeSync();
    }
  }

  /** The run's row in ANALYTICS.PIPELINE_RUNS: the statement the Snowflake step runs, on DuckDB. */
  recordRun(run: PipelineRun): Promise<RunOutcome> {
    return recordRunIn(this.executor(), run);
  }

  rows(sql: string, values?: SqlBind[]): Promise<Record<string, unknown>[]> {
    return rowsOf(this.connection, sql, values);
  }

  tableCounts(schema: LayerName): Promise<Array<{ table: string; rows: number }>> {
    return countRowsPerTable(this.executor(), schema);
  }

  /** The warehouse as the data-quality checks (and anything else written for Snowflake too) use it. */
  executor(): SqlExecutor {
    return { execute: (sqlText, binds) => this.rows(sqlText, binds) };
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}
