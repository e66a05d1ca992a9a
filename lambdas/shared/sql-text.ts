/**
 * Standard SQL quoting, as DuckDB reads it: a string literal with `'` doubled, an identifier with
 * `"` doubled. (Snowflake string literals also treat `\` as an escape: snowflake-setup has its own.)
 */
export const sqlString = (text: string) => `'${text.replace(/'/g, "''")}'`;
export const sqlName = (name: string) => `"${name.replace(/"/g, '""')}"`;
