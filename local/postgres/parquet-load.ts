import type { DuckDBConnection } from '@duckdb/node-api';
import type { ColumnSpec } from '../../lambdas/contracts/table-spec';
import { postgresTypes, sqlName, sqlString } from '../../lambdas/shared/sql-text';
import type { SqlExecutor } from '../../lambdas/warehouse/sql-executor';

/** Rows per INSERT: PostgreSQL takes at most 65,535 bound values in one statement. */
const MAX_BOUND_VALUES = 60_000;

/**
 * One transformed Parquet file into a PostgreSQL table, as Snowpipe loads one into Snowflake: DuckDB
 * reads the file (PostgreSQL cannot), every value as its text, which PostgreSQL parses into the
 * column's type (`$n::bigint`, `::timestamptz`, …), in batches of bound values. Returns the rows loaded.
 */
export async function loadParquetIntoPostgres(
  duckdb: DuckDBConnection,
  postgres: SqlExecutor,
  file: string,
  table: { schema: string; name: string; columns: readonly ColumnSpec[] },
): Promise<number> {
  const names = table.columns.map((column) => column.name);
  const reader = await duckdb.runAndReadAll(
    `select ${names.map((name) => `cast(${sqlName(name)} as varchar) as ${sqlName(name)}`).join(', ')} from read_parquet(${sqlString(file)})`,
  );
  const rows = reader.getRows() as Array<Array<string | null>>;
  const target = `${sqlName(table.schema)}.${sqlName(table.name)} (${names.map(sqlName).join(', ')})`;
  const perStatement = Math.max(1, Math.floor(MAX_BOUND_VALUES / Math.max(1, names.length)));
  for (let first = 0; first < rows.length; first += perStatement) {
    const batch = rows.slice(first, first + perStatement);
    const values = batch
      .map(() => `(${table.columns.map((column) => `?::${postgresTypes[column.type]}`).join(', ')})`)
      .join(', ');
    await postgres.execute(`insert into ${target} values ${values}`, batch.flat());
  }
  return rows.length;
}

/** `create table if not exists` for a transformed table's columns, in PostgreSQL's types. */
export function postgresTableDdl(schema: string, name: string, columns: readonly ColumnSpec[]): string {
  const definitions = columns.map(
    (column) => `${sqlName(column.name)} ${postgresTypes[column.type]}${column.nullable ? '' : ' not null'}`,
  );
  return `create table if not exists ${sqlName(schema)}.${sqlName(name)} (${definitions.join(', ')})`;
}
