/** A row as Snowflake answers it (column names as Snowflake gives them, e.g. `property_value`). */
export type SqlRow = Record<string, unknown>;

/** The one thing the setup needs from Snowflake: run a statement, get its rows. */
export interface SqlExecutor {
  execute(sqlText: string): Promise<SqlRow[]>;
}
