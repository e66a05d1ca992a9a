import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Dialect } from './dialect';
import type { SqlExecutor } from '../warehouse/sql-executor';
import { splitStatements } from '../warehouse/migrations';
import { sqlDirectory } from '../warehouse/sql-directory';

/** One ANALYTICS model of sql/models/analytics: one statement, a table or a view, the same in every warehouse. */
export interface AnalyticsModel {
  /** The file's name without `.sql`: the object it makes in ANALYTICS. */
  name: string;
  statement: string;
  /** The tables and views it reads, as `clean.<table>` or `analytics.<object>`. */
  reads: string[];
}

export const analyticsModelsDirectory = () => join(sqlDirectory(), 'models', 'analytics');

/**
 * The models, each after the ANALYTICS models it reads (a view over a model's table comes after it),
 * else in name order. A file must hold exactly one statement that makes the object it is named after.
 */
export function loadAnalyticsModels(directory = analyticsModelsDirectory()): AnalyticsModel[] {
  const models = readdirSync(directory)
    .filter((file) => file.endsWith('.sql'))
    .sort()
    .map((file): AnalyticsModel => {
      const name = file.replace(/\.sql$/, '');
      const [statement, ...more] = splitStatements(readFileSync(join(directory, file), 'utf8'));
      if (!statement || more.length)
        throw new Error(`sql/models/analytics/${file} must hold exactly one statement`);
      if (!new RegExp(`^create or replace (table|view) analytics\\.${name}\\b`, 'i').test(statement))
        throw new Error(
          `sql/models/analytics/${file} must start "create or replace table analytics.${name}" (or view): a model makes the object it is named after`,
        );
      const reads = [
        ...new Set(
          [...statement.matchAll(/\b(clean|analytics)\.([a-z0-9_]+)/gi)].map(
            (match) => `${match[1]!.toLowerCase()}.${match[2]!.toLowerCase()}`,
          ),
        ),
      ].filter((table) => table !== `analytics.${name}`);
      return { name, statement, reads };
    });
  return inDependencyOrder(models);
}

function inDependencyOrder(models: AnalyticsModel[]): AnalyticsModel[] {
  const names = new Set(models.map((model) => `analytics.${model.name}`));
  const ordered: AnalyticsModel[] = [];
  const placed = new Set<string>();
  while (ordered.length < models.length) {
    const ready = models.filter(
      (model) =>
        !placed.has(model.name) &&
        model.reads.every((table) => !names.has(table) || placed.has(table.slice('analytics.'.length))),
    );
    if (!ready.length)
      throw new Error(
        `the ANALYTICS models ${models
          .filter((model) => !placed.has(model.name))
          .map((model) => model.name)
          .join(', ')} read each other in a circle`,
      );
    for (const model of ready) {
      ordered.push(model);
      placed.add(model.name);
    }
  }
  return ordered;
}

export interface AnalyticsBuild {
  built: string[];
  /** Models whose inputs are not in the warehouse (a source this environment does not deploy). */
  skipped: Array<{ model: string; missing: string[] }>;
}

/**
 * Every model whose inputs exist, in order; the others are skipped and named. A model that fails stops
 * the build with its name: what was published stays, and the step can be run again.
 */
export async function buildAnalytics(
  executor: SqlExecutor,
  dialect: Dialect,
  models: readonly AnalyticsModel[] = loadAnalyticsModels(),
): Promise<AnalyticsBuild> {
  const present = new Set<string>();
  for (const schema of ['clean', 'analytics'])
    for (const table of await tableNamesIn(executor, dialect, schema)) present.add(`${schema}.${table}`);
  const build: AnalyticsBuild = { built: [], skipped: [] };
  for (const model of models) {
    const missing = model.reads.filter((table) => !present.has(table));
    if (missing.length) {
      build.skipped.push({ model: model.name, missing });
      continue;
    }
    try {
      await executor.execute(model.statement);
    } catch (error) {
      throw new Error(`the ANALYTICS model ${model.name} failed: ${(error as Error).message}`, {
        cause: error,
      });
    }
    present.add(`analytics.${model.name}`);
    build.built.push(model.name);
  }
  return build;
}

/** The tables and views of a warehouse schema, lower-case (Snowflake answers the column name in upper case). */
export async function tableNamesIn(
  executor: SqlExecutor,
  dialect: Dialect,
  schema: string,
): Promise<Set<string>> {
  return new Set(
    (await executor.execute(dialect.tablesIn(schema))).map((row) => String(row.table_name ?? row.TABLE_NAME)),
  );
}
