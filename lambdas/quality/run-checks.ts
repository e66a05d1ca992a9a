import type { SqlExecutor } from '../warehouse/sql-executor';
import type { Check } from './check-config';
import { compileCheck } from './compile-check';
import type { Dialect } from './dialect';

export type CheckStatus = 'pass' | 'warn' | 'fail';

export interface CheckResult {
  table: string;
  check: string;
  severity: 'warn' | 'fail';
  status: CheckStatus;
  metric: number | null;
  threshold: string;
  /** Up to five keys or values that broke the check, or what is missing. */
  failingKeys?: string;
}

export interface QualityVerdict {
  verdict: CheckStatus;
  results: CheckResult[];
}

const RESULT_ROWS_PER_INSERT = 100;

const number = (value: unknown) => (value === null || value === undefined ? null : Number(value));

/** A column of a result row: Snowflake answers unquoted names in upper case, DuckDB as written. */
const field = (row: Record<string, unknown> | undefined, name: string): unknown =>
  row?.[name] ?? row?.[name.toUpperCase()];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * Runs every check whose CLEAN table exists, writes one row per check to ANALYTICS.DQ_CHECK_RESULTS,
 * and answers the verdict: `fail` if a check of severity `fail` failed, `warn` if only `warn` ones did.
 */
export async function runChecks(
  executor: SqlExecutor,
  checks: readonly Check[],
  dialect: Dialect,
  batchId: string,
  now: Date = new Date(),
): Promise<QualityVerdict> {
  const outcome = await evaluateChecks(executor, checks, dialect);
  await recordCheckResults(executor, outcome.results, batchId, now);
  return outcome;
}

/**
 * Every check whose CLEAN table exists, judged by reading only: the audit of write-audit-publish runs
 * it inside the transaction that holds the batch, before anything is kept.
 */
export async function evaluateChecks(
  executor: SqlExecutor,
  checks: readonly Check[],
  dialect: Dialect,
): Promise<QualityVerdict> {
  const results: CheckResult[] = [];
  const columnsByTable = new Map<string, Set<string>>();
  const columnsOf = async (table: string) => {
    let columns = columnsByTable.get(table);
    if (!columns) {
      columns = new Set(
        (await executor.execute(dialect.columnsOf(table))).map((row) => String(field(row, 'column_name'))),
      );
      columnsByTable.set(table, columns);
    }
    return columns;
  };
  for (const check of checks) {
    if (!(await columnsOf(check.table)).size) continue; // the table is not in CLEAN (its source did not run)
    const target = referencedTable(check);
    const judged =
      target && !(await columnsOf(target)).size
        ? await judgeWithoutTarget(executor, check, dialect, target)
        : await judge(executor, check, dialect, await columnsOf(check.table));
    const status: CheckStatus = judged.passed ? 'pass' : judged.downgrade ? 'warn' : check.severity;
    results.push({
      table: check.table,
      check: check.name,
      severity: check.severity,
      status,
      metric: judged.metric,
      threshold: judged.threshold,
      ...(judged.failingKeys && !judged.passed ? { failingKeys: judged.failingKeys } : {}),
    });
  }
  const verdict: CheckStatus = results.some((result) => result.status === 'fail')
    ? 'fail'
    : results.some((result) => result.status === 'warn')
      ? 'warn'
      : 'pass';
  return { verdict, results };
}

/**
 * The results' rows in ANALYTICS.DQ_CHECK_RESULTS, replacing any a retried step wrote for the batch:
 * kept whatever the verdict, so a held-back batch says why.
 */
export async function recordCheckResults(
  executor: SqlExecutor,
  results: readonly CheckResult[],
  batchId: string,
  now: Date = new Date(),
): Promise<void> {
  await executor.execute('delete from analytics.dq_check_results where batch_id = ?', [batchId]);
  // One statement per hundred rows, not one per check: each is a round trip to Snowflake.
  for (let start = 0; start < results.length; start += RESULT_ROWS_PER_INSERT) {
    const rows = results.slice(start, start + RESULT_ROWS_PER_INSERT);
    await executor.execute(
      `insert into analytics.dq_check_results (batch_id, table_name, check_name, severity, status, metric_value, threshold, failing_keys, checked_at) values ${rows.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
      rows.flatMap((result) => [
        batchId,
        result.table,
        result.check,
        result.severity,
        result.status,
        result.metric,
        result.threshold,
        result.failingKeys ?? null,
        now.toISOString(),
      ]),
    );
  }
}

interface Judgement {
  passed: boolean;
  metric: number | null;
  threshold: string;
  failingKeys?: string;
  /** Failed, but only a warning whatever the severity (an anomaly without enough history yet). */
  downgrade?: boolean;
}

async function judge(
  executor: SqlExecutor,
  check: Check,
  dialect: Dialect,
  columns: Set<string>,
): Promise<Judgement> {
  const params = check.params as Record<string, unknown>;
  if (check.kind === 'schema') {
    const missing = (params.required as string[]).filter((column) => !columns.has(column));
    const forbidden = (params.forbidden as string[]).filter((column) =>
      [...columns].some((present) => present === column || present.endsWith(`__${column}`)),
    );
    const problems = [
      ...missing.map((column) => `missing ${column}`),
      ...forbidden.map((column) => `forbidden ${column}`),
    ];
    return {
      passed: problems.length === 0,
      metric: problems.length,
      threshold: '= 0',
      failingKeys: problems.join(', '),
    };
  }
  if (check.kind === 'anomaly') return judgeAnomaly(executor, check);
  const compiled = compileCheck(check, dialect);
  const [row] = await executor.execute(compiled.metricSql);
  const metric = number(field(row, 'metric'));
  const passed = metric !== null && compiled.passes(metric);
  const failingKeys =
    !passed && compiled.sampleSql
      ? String(field((await executor.execute(compiled.sampleSql))[0], 'failing_keys') ?? '')
      : undefined;
  return { passed, metric, threshold: compiled.threshold, ...(failingKeys ? { failingKeys } : {}) };
}

/** The CLEAN table a `reference` check looks rows up in. */
function referencedTable(check: Check): string | undefined {
  return check.kind === 'reference' ? String((check.params as { to: string }).to).split('.')[0] : undefined;
}

/**
 * A reference into a table CLEAN does not have yet (its source never ran here, e.g. a backfill in a
 * new environment): every row with a value is unmatched, as against the empty table Snowflake has.
 */
async function judgeWithoutTarget(
  executor: SqlExecutor,
  check: Check,
  dialect: Dialect,
  target: string,
): Promise<Judgement> {
  const compiled = compileCheck(check, dialect);
  const column = (check.params as { column: string }).column;
  const [row] = await executor.execute(
    `select count(*) as metric from clean.${check.table} where ${column} is not null`,
  );
  const metric = Number(field(row, 'metric'));
  const passed = compiled.passes(metric);
  return {
    passed,
    metric,
    threshold: compiled.threshold,
    ...(passed
      ? {}
      : { failingKeys: `${target} is not in CLEAN yet: run its source first, then this day again` }),
  };
}

/** Row count against the same check's earlier results: ±k standard deviations of the mean, or ±x of the median. */
async function judgeAnomaly(executor: SqlExecutor, check: Check): Promise<Judgement> {
  const params = check.params as {
    max_deviations: number;
    max_change: number;
    history: number;
    min_history: number;
  };
  const [row] = await executor.execute(`select count(*) as metric from clean.${check.table}`);
  const metric = Number(field(row, 'metric'));
  const earlier = await executor.execute(
    `select metric_value from analytics.dq_check_results where table_name = ? and check_name = ? and metric_value is not null order by checked_at desc limit ${params.history}`,
    [check.table, check.name],
  );
  const history = earlier.map((entry) => Number(field(entry, 'metric_value')));
  const threshold = `±${params.max_deviations} sd or ±${params.max_change * 100}% of the median of the last ${history.length} runs`;
  if (history.length < 2) return { passed: true, metric, threshold: 'needs 2 earlier runs' };
  const mean = history.reduce((sum, value) => sum + value, 0) / history.length;
  const deviation = Math.sqrt(history.reduce((sum, value) => sum + (value - mean) ** 2, 0) / history.length);
  const middle = median(history);
  const outsideSpread = deviation > 0 && Math.abs(metric - mean) > params.max_deviations * deviation;
  const outsideChange = middle > 0 && Math.abs(metric - middle) / middle > params.max_change;
  const passed = !(outsideSpread || outsideChange);
  return {
    passed,
    metric,
    threshold,
    ...(passed ? {} : { failingKeys: `${metric} rows against a median of ${middle}` }),
    // Until enough runs exist, an anomaly is only a warning.
    downgrade: history.length < params.min_history,
  };
}
