#!/usr/bin/env node
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { catalogueCleanModels } from '../lambdas/warehouse/clean-models';
import { catalogueChecks } from '../lambdas/quality/check-config';
import { compiledChecksSql } from '../lambdas/quality/compiled-checks';
import { snowflakeDialect } from '../lambdas/quality/dialect';

/**
 * Where the generated SQL is written out: not read by anything at run time (every step generates it
 * from the contracts and checks), but there to read, and for sqlfluff to parse in CI.
 */
export const generatedSqlDirectory = join(__dirname, '..', 'sql', 'generated');

/** The files this generator writes, by path: the CLEAN models and the checks' Snowflake SQL. */
export function generatedSqlFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const model of catalogueCleanModels())
    files.set(join(generatedSqlDirectory, 'clean', `${model.table}.sql`), model.sql);
  for (const [table, sql] of compiledChecksSql(catalogueChecks(), snowflakeDialect))
    files.set(join(generatedSqlDirectory, 'checks', `${table}.sql`), sql);
  return files;
}

/** `npm run models`: writes sql/generated/clean/ and sql/generated/checks/ afresh. */
if (require.main === module) {
  rmSync(generatedSqlDirectory, { recursive: true, force: true });
  const files = generatedSqlFiles();
  for (const [path, sql] of files) {
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, sql);
  }
  console.log(
    `${files.size} SQL files written to ${relative(process.cwd(), generatedSqlDirectory)}/{clean,checks}`,
  );
}
