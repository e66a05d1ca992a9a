import type { SqlExecutor } from '../warehouse/sql-executor';
import type { CleanModel } from '../warehouse/clean-models';
import { AnalyticsBuild, AnalyticsModel, buildAnalytics, tableNamesIn } from './analytics-models';
import type { Check } from './check-config';
import type { Dialect } from './dialect';
import { evaluateChecks, QualityVerdict, recordCheckResults } from './run-checks';

/** How old a table's newest data may be when it has no freshness check: a daily run, and two hours. */
export const DEFAULT_STALE_AFTER_HOURS = 26;

export interface PublishRequest {
  executor: SqlExecutor;
  dialect: Dialect;
  batchId: string;
  /** The run's day: the `logical_date` of the batch's rows in ANALYTICS.TABLE_LOADS. */
  logicalDate: string;
  /** CLEAN's models (the streamed ones are left to their own merge). */
  cleanModels: readonly CleanModel[];
  checks: readonly Check[];
  analyticsModels: readonly AnalyticsModel[];
  now?: Date;
}

export interface PublishOutcome extends QualityVerdict {
  /** The CLEAN tables the batch was merged into; none when the gate held it back. */
  published: string[];
  /** ANALYTICS after the publish; absent when the gate held the batch back. */
  analytics?: AnalyticsBuild;
}

/**
 * Write, audit, publish, in one transaction of the warehouse's: the batch's RAW rows are merged into
 * CLEAN, every check runs on the result, and the transaction commits only if the gate passes (`pass`
 * or `warn`). A `fail` rolls it back: CLEAN is exactly as it was, nobody ever saw the batch there, and
 * ANALYTICS is not rebuilt. The check results are kept either way, and ANALYTICS is rebuilt from CLEAN
 * once it is published. Both engines run this with the same statements (docs/snowflake.md says why a
 * transaction rather than clone-and-swap).
 */
export async function writeAuditPublish(request: PublishRequest): Promise<PublishOutcome> {
  const { executor, dialect, batchId } = request;
  if (dialect.endLeftoverTransaction) await executor.execute(dialect.endLeftoverTransaction);
  const rawTables = await tableNamesIn(executor, dialect, 'raw');
  const models = request.cleanModels.filter((model) => !model.streamed && rawTables.has(model.table));
  // Table changes first: Snowflake commits any open transaction before DDL. A new or widened CLEAN
  // table publishes no rows.
  for (const model of models) {
    await executor.execute(model.statements.create);
    for (const statement of model.statements.addColumns) await executor.execute(statement);
  }
  await executor.execute('begin transaction');
  let outcome: QualityVerdict;
  try {
    for (const model of models) {
      await executor.execute(model.statements.mergeBatch, [batchId]);
      if (model.statements.prune) await executor.execute(model.statements.prune);
    }
    await recordTableLoads(request, models);
    outcome = await evaluateChecks(executor, request.checks, dialect);
  } catch (error) {
    // The first error is the one to tell; a session that is gone takes its transaction with it.
    await executor.execute('rollback').catch(() => undefined);
    throw error;
  }
  const passed = outcome.verdict !== 'fail';
  await executor.execute(passed ? 'commit' : 'rollback');
  await recordCheckResults(executor, outcome.results, batchId, request.now);
  if (!passed) return { ...outcome, published: [] };
  return {
    ...outcome,
    published: models.map((model) => model.table),
    analytics: await buildAnalytics(executor, dialect, request.analyticsModels),
  };
}

/**
 * A row per table that got rows in this batch, in the transaction that publishes them: how many, the
 * newest extraction, and how old that may grow (the table's freshness check, else the default). A
 * retried step replaces its own rows.
 */
async function recordTableLoads(request: PublishRequest, models: readonly CleanModel[]): Promise<void> {
  const { executor, batchId, logicalDate } = request;
  await executor.execute('delete from analytics.table_loads where batch_id = ?', [batchId]);
  const now = (request.now ?? new Date()).toISOString();
  for (const model of models) {
    await executor.execute(
      `insert into analytics.table_loads (batch_id, logical_date, source, table_name, records, newest_extracted_at, published_at, stale_after_hours)
select ?, ?, ?, ?, count(*), max(_extracted_at), ?, ? from raw.${model.table} where _batch_id = ? having count(*) > 0`,
      [
        batchId,
        logicalDate,
        model.table.split('__')[0]!,
        model.table,
        now,
        staleAfterHours(request.checks, model.table),
        batchId,
      ],
    );
  }
}

function staleAfterHours(checks: readonly Check[], table: string): number {
  const freshness = checks.find((check) => check.table === table && check.kind === 'freshness');
  return freshness
    ? Number((freshness.params as { max_hours: number }).max_hours)
    : DEFAULT_STALE_AFTER_HOURS;
}
