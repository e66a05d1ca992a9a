import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { sqlName } from '../../lambdas/shared/sql-text';
import type { SqlBind, SqlExecutor } from '../../lambdas/warehouse/sql-executor';
import { catalogueCleanModels, CleanModel } from '../../lambdas/warehouse/clean-models';
import { tableMigrations } from '../../lambdas/warehouse/migrations';
import { sqlDirectory } from '../../lambdas/warehouse/sql-directory';
import type { PipelineRun } from '../../lambdas/warehouse/pipeline-runs';
import type { RunOutcome } from '../../lambdas/shared/run-outcome';
import {
  countRowsPerTable,
  LayerName,
  mergeStreamedTables,
  PipelineWarehouse,
  recordRunIn,
} from '../warehouse/pipeline-warehouse';
import { stagedFile, warehouseTableOf } from '../warehouse/warehouse';
import { PostgresExecutor, redactedUrl } from './postgres-executor';
import {
  DIALECT_SCHEMA,
  dialectFunctions,
  inPostgres,
  postgresDialect,
  sessionSettings,
} from './postgres-dialect';
import { describedColumns, loadIntoPostgres, postgresTableDdl } from './parquet-load';

/** Statements in PostgreSQL's dialect (postgres-dialect.ts), on a session set up for the pipeline. */
function pipelineSession(url: string): PipelineSession {
  const connection = new PostgresExecutor(url, sessionSettings);
  return {
    executor: { execute: (sqlText, binds) => connection.execute(inPostgres(sqlText), binds) },
    connection,
    close: () => connection.close(),
  };
}

interface PipelineSession {
  /** The pipeline's statements, through the dialect. */
  executor: SqlExecutor;
  /** The connection itself, for COPY. */
  connection: PostgresExecutor;
  close(): Promise<void>;
}

const LAYERS = ['raw', 'clean', 'analytics'];

/**
 * What the pipeline needs in the database, made where missing: the dialect's functions, the three
 * schemas, the load history, and ANALYTICS' own tables (the run log, the check results, the table
 * loads) from the migrations Snowflake's setup applies.
 */
async function prepare(executor: SqlExecutor): Promise<void> {
  for (const statement of dialectFunctions) await executor.execute(statement);
  for (const schema of LAYERS) await executor.execute(`create schema if not exists ${schema}`);
  await executor.execute(
    `create table if not exists raw._load_history (
      file_name text primary key, table_name text not null, row_count bigint not null, loaded_at timestamptz not null
    )`,
  );
  for (const migration of tableMigrations(join(sqlDirectory(), 'migrations')))
    for (const statement of migration.statements) await executor.execute(statement);
}

/**
 * The warehouse in PostgreSQL (`npm start -- --warehouse postgres`): the same three layers as
 * Snowflake and the local DuckDB file, as schemas raw, clean and analytics (bronze, silver and gold).
 * There is no Snowpipe: the run loads each transformed file into RAW itself, once (raw._load_history),
 * reading it with an in-memory DuckDB. CLEAN, the checks, the gate and ANALYTICS are the statements
 * every warehouse runs, through the dialect's few rewrites.
 */
export class PostgresWarehouse implements PipelineWarehouse {
  readonly kind = 'postgres';
  readonly dialect = postgresDialect;
  readonly location: string;

  private constructor(
    private readonly url: string,
    private readonly main: PipelineSession,
    private readonly duckdb: { instance: DuckDBInstance; connection: DuckDBConnection },
    location?: string,
  ) {
    this.location = location ?? redactedUrl(url);
  }

  /**
   * Connects to the database at `url`, and makes what the pipeline needs there when missing
   * (`prepare`). `location` is how people are told where it is (default: the URL without its password).
   */
  static async open(url: string, location?: string): Promise<PostgresWarehouse> {
    const main = pipelineSession(url);
    try {
      await prepare(main.executor);
    } catch (error) {
      await main.close();
      throw error;
    }
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    // Timestamps' text in UTC (+00), which PostgreSQL parses back to the same instant.
    await connection.run("set TimeZone = 'UTC'");
    return new PostgresWarehouse(url, main, { instance, connection }, location);
  }

  /**
   * Starts the pipeline's part of the database afresh (`--fresh`): drops its four schemas (`cascade`:
   * everything in them) and nothing else, then makes them again, empty.
   */
  async recreate(): Promise<void> {
    for (const schema of [...LAYERS, DIALECT_SCHEMA])
      await this.main.executor.execute(`drop schema if exists ${schema} cascade`);
    await prepare(this.main.executor);
  }

  /**
   * One file into its RAW table with Snowpipe's metadata columns, in one transaction with its row in
   * the load history, unless it was loaded before. The table is made from the first file's columns;
   * a later file's new columns (schema evolution) are added first. Returns the rows loaded.
   */
  async loadFile(fileName: string, bytes: Uint8Array): Promise<number> {
    const table = warehouseTableOf(fileName);
    if (!table) return 0;
    const { executor } = this.main;
    const seen = await executor.execute('select 1 from raw._load_history where file_name = ?', [fileName]);
    if (seen.length) return 0;
    const scratch = mkdtempSync(join(tmpdir(), 'postgres-load-'));
    try {
      const { source } = stagedFile(scratch, fileName, table, bytes);
      const relation = `(select * exclude (file_row_number) from ${source})`;
      const columns = await describedColumns(this.duckdb.connection, relation);
      await executor.execute(postgresTableDdl('raw', table, columns));
      // Only the columns the table lacks: an ALTER TABLE locks out readers even when it changes nothing.
      const existing = new Set(
        (
          await executor.execute(
            "select column_name from information_schema.columns where table_schema = 'raw' and table_name = ?",
            [table],
          )
        ).map((row) => String(row.column_name)),
      );
      for (const column of columns.filter((column) => !existing.has(column.name)))
        await executor.execute(
          `alter table raw.${sqlName(table)} add column ${sqlName(column.name)} ${column.type}`,
        );
      await executor.execute('begin');
      try {
        const rows = await loadIntoPostgres(
          this.duckdb.connection,
          this.main.connection,
          relation,
          { schema: 'raw', name: table },
          columns,
        );
        await executor.execute(
          'insert into raw._load_history (file_name, table_name, row_count, loaded_at) values (?, ?, ?, now())',
          [fileName, table, rows],
        );
        await executor.execute('commit');
        return rows;
      } catch (error) {
        await executor.execute('rollback').catch(() => undefined);
        throw error;
      }
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }

  /**
   * Holds a lock named `name` for as long as this warehouse is open (a PostgreSQL advisory lock of its
   * session): what DuckDB's file lock gives a run, one run per data directory at a time. While another
   * command holds it, this waits up to `waitForLockMs`, telling `onWait` once, then fails with what to do.
   */
  async holdLock(name: string, options: { waitForLockMs?: number; onWait?: (message: string) => void } = {}) {
    const deadline = Date.now() + (options.waitForLockMs ?? 30_000);
    for (let told = false; ; told = true) {
      const [row] = await this.main.executor.execute('select pg_try_advisory_lock(hashtext(?)) as locked', [
        name,
      ]);
      if (row!.locked === true) return;
      if (Date.now() >= deadline)
        throw new Error(
          `another command holds ${name} (${this.location}): wait for it to finish, or stop it`,
        );
      if (!told) options.onWait?.(`another command holds ${name}; waiting for it`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /** The streaming path's CLEAN tables merged from all of RAW (a merge keeps the latest version). */
  mergeStreamed(models: CleanModel[] = catalogueCleanModels()): Promise<string[]> {
    return mergeStreamedTables(this.main.executor, postgresDialect, models);
  }

  async inSession<T>(work: (executor: SqlExecutor) => Promise<T>): Promise<T> {
    const session = pipelineSession(this.url);
    try {
      return await work(session.executor);
    } finally {
      await session.close();
    }
  }

  recordRun(run: PipelineRun): Promise<RunOutcome> {
    return recordRunIn(this.main.executor, run);
  }

  rows(sql: string, values?: SqlBind[]): Promise<Record<string, unknown>[]> {
    return this.main.executor.execute(sql, values);
  }

  tableCounts(schema: LayerName): Promise<Array<{ table: string; rows: number }>> {
    return countRowsPerTable(this.main.executor, schema);
  }

  executor(): SqlExecutor {
    return this.main.executor;
  }

  async close(): Promise<void> {
    this.duckdb.connection.closeSync();
    this.duckdb.instance.closeSync();
    await this.main.close();
  }
}
