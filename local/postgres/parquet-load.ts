import type { DuckDBConnection } from '@duckdb/node-api';
import { sqlName } from '../../lambdas/shared/sql-text';
import type { SqlExecutor } from '../../lambdas/warehouse/sql-executor';

/** Rows per INSERT: PostgreSQL takes at most 65,535 bound values in one statement. */
const MAX_BOUND_VALUES = 60_000;

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
 * reads the file (PostgreSQL cannot read Parquet), every value as its text, which PostgreSQL parses
 * into the column's type (`$n::bigint`, `::timestamptz`, …), in batches of bound values. DuckDB's
 * session should be in UTC, so that timestamps' text carries +00. Returns the rows loaded.
 */
export async function loadIntoPostgres(
  duckdb: DuckDBConnection,
  postgres: SqlExecutor,
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
  const perStatement = Math.max(1, Math.floor(MAX_BOUND_VALUES / Math.max(1, names.length)));
  const row = `(${columns.map((column) => `?::${column.type}`).join(', ')})`;
  for (let first = 0; first < rows.length; first += perStatement) {
    const batch = rows.slice(first, first + perStatement);
    await postgres.execute(`insert into ${table} values ${batch.map(() => row).join(', ')}`, batch.flat());
  }
  return rows.length;
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
