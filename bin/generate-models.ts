#!/usr/bin/env node
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanModels } from '../lambdas/warehouse/clean-models';
import { catalogueChecks } from '../lambdas/quality/check-config';
import { compiledChecksSql } from '../lambdas/quality/compiled-checks';
import { snowflakeDialect } from '../lambdas/quality/dialect';
import { loadContracts } from '../lambdas/contracts/contract';
import { cleanModelsDirectory } from '../local/warehouse/warehouse';

/** Where the Snowflake SQL of the data-quality checks is written, for sqlfluff to parse in CI. */
export const compiledChecksDirectory = join(__dirname, '..', 'sql', 'checks', 'snowflake');

/** The files this generator writes, by path: the CLEAN models and the checks' Snowflake SQL. */
export function generatedSqlFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const model of [...loadContracts().values()].flatMap(cleanModels))
    files.set(join(cleanModelsDirectory, `${model.table}.sql`), model.sql);
  for (const [table, sql] of compiledChecksSql(catalogueChecks(), snowflakeDialect))
    files.set(join(compiledChecksDirectory, `${table}.sql`), sql);
  return files;
}

/** `npm run models`: writes sql/models/clean/ and sql/checks/snowflake/ (a test keeps them in step). */
if (require.main === module) {
  for (const directory of [cleanModelsDirectory, compiledChecksDirectory]) {
    mkdirSync(directory, { recursive: true });
    for (const file of readdirSync(directory)) rmSync(join(directory, file));
  }
  const files = generatedSqlFiles();
  for (const [path, sql] of files) writeFileSync(path, sql);
  console.log(`${files.size} SQL files written to sql/models/clean/ and sql/checks/snowflake/`);
}
