import { snowflakeString, sqlString } from '../shared/sql-text';

/**
 * Where DuckDB and Snowflake (and PostgreSQL, local/postgres/postgres-dialect.ts) differ for the checks, and only that: everything else the checks compile
 * to is SQL both run. Table and column names are passed in already checked (lower-case identifiers).
 */
export interface Dialect {
  /** PostgreSQL's (`npm start -- --warehouse postgres`) is in local/postgres/postgres-dialect.ts. */
  name: 'duckdb' | 'snowflake' | 'postgres';
  /** Hours from a timestamp to now. */
  hoursSince(expression: string): string;
  /** Up to five values of an expression over the rows of a query, comma-separated, as `failing_keys`. */
  sampleOf(expression: string, from: string): string;
  /** The column names of a CLEAN table, lower-case, one per row as `column_name`. */
  columnsOf(table: string): string;
  /** A string literal (Snowflake reads `\` in one as an escape, DuckDB does not). */
  stringLiteral(text: string): string;
  /**
   * Ends a transaction an interrupted invocation left open on a reused session (Snowflake's connection
   * outlives an invocation; a ROLLBACK with none open does nothing there, while DuckDB's would fail).
   */
  endLeftoverTransaction?: string;
  /** The table names of a schema (`raw`, `clean`, `analytics`), lower-case, one per row as `table_name`. */
  tablesIn(schema: string): string;
}

export const duckdbDialect: Dialect = {
  name: 'duckdb',
  hoursSince: (expression) => `date_diff('hour', ${expression}, current_timestamp)`,
  sampleOf: (expression, from) =>
    `select string_agg(cast(k as varchar), ', ') as failing_keys from (select ${expression} as k ${from} limit 5) as samples`,
  columnsOf: (table) =>
    `select lower(column_name) as column_name from information_schema.columns where table_schema = 'clean' and table_name = '${table}'`,
  stringLiteral: sqlString,
  tablesIn: (schema) =>
    `select lower(table_name) as table_name from information_schema.tables where table_schema = '${schema}'`,
};

export const snowflakeDialect: Dialect = {
  name: 'snowflake',
  hoursSince: (expression) => `datediff('hour', ${expression}, current_timestamp())`,
  sampleOf: (expression, from) =>
    `select listagg(cast(k as varchar), ', ') as failing_keys from (select ${expression} as k ${from} limit 5) as samples`,
  columnsOf: (table) =>
    `select lower(column_name) as column_name from information_schema.columns where table_schema = 'CLEAN' and table_name = '${table.toUpperCase()}'`,
  stringLiteral: snowflakeString,
  endLeftoverTransaction: 'rollback',
  tablesIn: (schema) =>
    `select lower(table_name) as table_name from information_schema.tables where table_schema = '${schema.toUpperCase()}'`,
};
