import type { ColumnType } from '../contracts/table-spec';
/**
 * Standard SQL quoting, as DuckDB reads it: a string literal with `'` doubled, an identifier with
 * `"` doubled.
 */
export const sqlString = (text: string) => `'${text.replace(/'/g, "''")}'`;
/** A Snowflake string literal: Snowflake also reads `\` in one as an escape, so it is escaped too. */
export const snowflakeString = (text: string) => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
export const sqlName = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** The DuckDB type of each column type of the transformed layer (one map for every DuckDB reader). */
export const duckdbTypes: Record<ColumnType, string> = {
  string: 'VARCHAR',
  json: 'VARCHAR',
  integer: 'BIGINT',
  number: 'DOUBLE',
  boolean: 'BOOLEAN',
  timestamp: 'TIMESTAMPTZ',
  date: 'DATE',
};
