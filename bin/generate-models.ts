#!/usr/bin/env node
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanModels } from '../lambdas/shared/clean-models';
import { loadContracts } from '../lambdas/validate/contract';

import { cleanModelsDirectory } from '../local/warehouse/warehouse';

/** `npm run models`: writes sql/models/clean/ from the contracts (a test keeps the files in step). */
if (require.main === module) {
  mkdirSync(cleanModelsDirectory, { recursive: true });
  for (const file of readdirSync(cleanModelsDirectory)) rmSync(join(cleanModelsDirectory, file));
  const models = [...loadContracts().values()].flatMap(cleanModels);
  for (const model of models) writeFileSync(join(cleanModelsDirectory, `${model.table}.sql`), model.sql);
  console.log(`${models.length} CLEAN models written to sql/models/clean/`);
}
