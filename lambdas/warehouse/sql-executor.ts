/** A row as Snowflake answers it (column names as Snowflake gives them, e.g. `property_value`). */
export type SqlRow = Record<string, unknown>;

/** Values bound to `?` placeholders: data never goes into SQL text. */
export type SqlBind = string | number | boolean | null;

/** The one thing the pipeline needs from Snowflake: run a statement, get its rows. */
export interface SqlExecutor {
  execute(sqlText: string, binds?: SqlBind[]): Promise<SqlRow[]>;
}
