#!/usr/bin/env node
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * `npm run check:bundles` (after `cdk synth`): loads every Lambda bundle in cdk.out with Node, as the
 * runtime would on a cold start, so that a module esbuild could not bundle, or a file the handler
 * reads next to itself (migrations, models, checks), fails here rather than in AWS.
 */
const out = join(__dirname, '..', 'cdk.out');
const bundles = readdirSync(out)
  .filter(
    (name) =>
      name.startsWith('asset.') &&
      existsSync(join(out, name, 'index.js')) &&
      existsSync(join(out, name, 'index.js.map')),
  )
  .map((name) => join(out, name));
let failed = 0;
for (const bundle of bundles) {
  const run = spawnSync(
    process.execPath,
    ['-e', "const m = require('./index.js'); if (!Object.keys(m).length) throw new Error('exports nothing')"],
    {
      cwd: bundle,
      encoding: 'utf8',
      env: {
        ...process.env,
        AWS_REGION: 'us-east-1',
        SNOWFLAKE_DISABLE_MINICORE: 'true',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
    },
  );
  if (run.status !== 0) {
    failed += 1;
    console.error(`✗ ${bundle}\n${run.stderr.split('\n').slice(0, 8).join('\n')}`);
  }
}
console.log(`${bundles.length - failed} of ${bundles.length} Lambda bundles load`);
if (failed || !bundles.length) process.exitCode = 1;
