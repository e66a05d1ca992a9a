import type { SqlBind, SqlExecutor, SqlRow } from '../../lambdas/warehouse/sql-executor';

/** Statements that only read: SHOW, DESC(RIBE) and SELECT. Nothing else reaches Snowflake in a plan. */
const READ = /^\s*(SHOW|DESC|DESCRIBE|SELECT)\b/i;

export const isRead = (statement: string) => READ.test(statement);

/**
 * Snowflake for a dry run: reads go to the account (what is there, and whose, decides what the setup
 * would do), every other statement is recorded in order and answered with no rows, as if run. A read
 * that fails (an object the plan would create is not there yet) is noted and answered empty.
 */
export class PlanningExecutor implements SqlExecutor {
  /** What would run, in order. */
  readonly planned: string[] = [];
  readonly reads: string[] = [];
  /** Reads Snowflake refused, with why: the plan took them as empty. */
  readonly unread: Array<{ statement: string; error: string }> = [];

  constructor(private readonly account: SqlExecutor & { close?(): Promise<void> }) {}

  async execute(sqlText: string, binds?: SqlBind[]): Promise<SqlRow[]> {
    if (!isRead(sqlText)) {
      this.planned.push(sqlText);
      return [];
    }
    this.reads.push(sqlText);
    try {
      return await this.account.execute(sqlText, binds);
    } catch (error) {
      this.unread.push({ statement: sqlText, error: (error as Error).message });
      return [];
    }
  }

  async close(): Promise<void> {
    await this.account.close?.();
  }
}
