import type { DuckDBConnection } from '@duckdb/node-api';
import { sqlName } from '../../lambdas/shared/sql-text';
import type { PostgresExecutor } from './postgres-executor';

/** A column of a PostgreSQL table the loader fills: its name, and its type in PostgreSQL's words. */
export interface PostgresColumn {
  name: string;
  type: string;
}

/** The DuckDB types the transformed layer writes (sql-text.ts's duckdbTypes, and the stream's), in PostgreSQL's names. */
const POSTGRES_TYPE_OF_DUCKDB: Record<string, string> = {
  VARCHAR: 'text',
  BIGINT: 'bigint',
  INTEGER: 'integer',
  SMALLINT: 'smallint',
  TINYINT: 'smallint',
  DOUBLE: 'double precision',
  FLOAT: 'real',
  BOOLEAN: 'boolean',
  'TIMESTAMP WITH TIME ZONE': 'timestamptz',
  TIMESTAMP: 'timestamp',
  DATE: 'date',
  UUID: 'uuid',
  JSON: 'jsonb',
};

/**
 * The PostgreSQL type for a column DuckDB reads from a file with `duckdbType`. A DECIMAL keeps its
 * precision and scale, HUGEINT and UBIGINT become numeric (no PostgreSQL integer holds them); any other
 * type (a list, a struct) is kept as DuckDB's text of it rather than refused: nothing a file holds is lost.
 */
export function postgresTypeOf(duckdbType: string): string {
  const type = duckdbType.toUpperCase();
  const decimal = /^DECIMAL\((\d+),\s*(\d+)\)$/.exec(type);
  if (decimal) return `numeric(${decimal[1]}, ${decimal[2]})`;
  if (type === 'HUGEINT' || type === 'UHUGEINT' || type === 'UBIGINT') return 'numeric(39, 0)';
  return POSTGRES_TYPE_OF_DUCKDB[type] ?? 'text';
}

/** The columns of a DuckDB relation (`read_parquet(…)`, a subquery), typed for PostgreSQL. */
export async function describedColumns(
  duckdb: DuckDBConnection,
  relation: string,
): Promise<PostgresColumn[]> {
  const described = (await duckdb.runAndReadAll(`describe select * from ${relation}`)).getRowObjectsJS();
  return described.map((row) => ({
    name: String(row.column_name),
    type: postgresTypeOf(String(row.column_type)),
  }));
}

/**
 * The rows of a DuckDB relation into a PostgreSQL table, as Snowpipe loads a file into Snowflake: DuckDB
 * reads the file (PostgreSQL cannot read Parquet), every value as its text, and PostgreSQL's COPY
 * parses each into the column's type, as `?::bigint`, `::timestamptz`, … would (COPY is its bulk
 * load: 7 times the rows per second of batched INSERTs of bound values, docs/benchmarks.md). DuckDB's session
 * should be in UTC, so that timestamps' text carries +00. Returns the rows loaded.
 */
export async function loadIntoPostgres(
  duckdb: DuckDBConnection,
  postgres: PostgresExecutor,
  relation: string,
  target: { schema: string; name: string },
  columns: readonly PostgresColumn[],
): Promise<number> {
  const names = columns.map((column) => column.name);
  const reader = await duckdb.runAndReadAll(
    `select ${names.map((name) => `cast(${sqlName(name)} as varchar) as ${sqlName(name)}`).join(', ')} from ${relation}`,
  );
  const rows = reader.getRows() as Array<Array<string | null>>;
  refuseNul(rows, names);
  const table = `${sqlName(target.schema)}.${sqlName(target.name)} (${names.map(sqlName).join(', ')})`;
  const copied = await postgres.copyFrom(`copy ${table} from stdin`, copyTextChunks(rows));
  if (copied !== rows.length)
    throw new Error(`PostgreSQL took ${copied} rows of ${rows.length} into ${target.schema}.${target.name}`);
  return rows.length;
}

const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * One row in COPY's text format: tab-separated, `\N` for null, and a backslash before each backslash,
 * newline, carriage return and tab of a value (so no value can end a row or a column, or the data).
 */
export function copyTextLine(row: ReadonlyArray<string | null>): string {
  return `${row.map((cell) => (cell === null ? '\\N' : cell.replace(/[\\\n\r\t]/g, (c) => COPY_ESCAPES[c]!))).join('\t')}\n`;
}

/** Rows as COPY text, in chunks of about 64 KB. */
function* copyTextChunks(rows: ReadonlyArray<ReadonlyArray<string | null>>): Generator<string> {
  let chunk = '';
  for (const row of rows) {
    chunk += copyTextLine(row);
    if (chunk.length >= 65_536) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}

/**
 * PostgreSQL's text cannot hold U+0000, which JSON, Parquet, DuckDB and Snowflake can. Rather than
 * drop or change the character (a value silently not what the API sent), the file is refused before
 * any row is written, naming the row and column; the contract can keep such records out instead.
 */
function refuseNul(rows: ReadonlyArray<ReadonlyArray<string | null>>, names: readonly string[]): void {
  rows.forEach((row, index) => {
    const column = row.findIndex((cell) => cell?.includes('\u0000'));
    if (column >= 0)
      throw new Error(
        `row ${index + 1}, column ${names[column]}: the value holds the NUL character (U+0000), which PostgreSQL's text cannot; nothing of the file was loaded. To send such records to the failed bucket with their reason instead, refuse them in the contract ("pattern": "^[^\\u0000]*$" on the field)`,
      );
  });
}

/** `create table if not exists` with these columns, every one nullable (a file's columns may be null). */
export function postgresTableDdl(schema: string, name: string, columns: readonly PostgresColumn[]): string {
  const definitions = columns.map((column) => `${sqlName(column.name)} ${column.type}`);
  return `create table if not exists ${sqlName(schema)}.${sqlName(name)} (${definitions.join(', ')})`;
}
