/**
 * What each function costs at a cold start: its bundle's JavaScript (without source maps) and the
 * time Node 22 (Lambda's nodejs22.x) takes to load it, median of 9 fresh processes (the bundles taking turns), with and without
 * `--enable-source-maps` (which the functions set), next to a minimal bundle holding only the S3
 * client and the Powertools logger, built the same way, in the same run.
 *
 *   npx tsx bench/cold-start.bench.ts          (synthesizes prod with Snowflake into a temporary cdk.out)
 *
 * Node 22 comes from the npm registry (`npm exec --package=node@22`) when this machine has another.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { writeResult } from './results';

const root = join(__dirname, '..');

/** One bundle's figures, by function logical id without its hash (bench/results/cold-start.json). */
export interface ColdStart {
  jsKb: number;
  initMs: number;
  initMsWithSourceMaps: number;
}
const RUNS = 9;
const SNOWFLAKE = {
  snowflake: {
    secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:example-AbCdEf',
    database: 'PIPELINE_PROD',
    warehouse: 'PIPELINE_WH',
  },
};

/** A Node 22 binary: this one if it is 22, else the npm registry's. */
function node22(): string {
  if (process.version.startsWith('v22.')) return process.execPath;
  return execFileSync(
    'npm',
    ['exec', '--yes', '--package=node@22', '--', 'node', '-e', 'console.log(process.execPath)'],
    {
      encoding: 'utf8',
    },
  ).trim();
}

/** JavaScript bytes of a bundle directory, source maps and native binaries left out. */
function javascriptBytes(directory: string): number {
  let total = 0;
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) total += javascriptBytes(path);
    else if (/\.(c|m)?js$/.test(entry.name)) total += statSync(path).size;
  }
  return total;
}

/** The time (ms) one fresh Node process takes to require the bundle's index.js. */
function loadMs(node: string, directory: string, sourceMaps: boolean): number {
  const result = spawnSync(
    node,
    [
      ...(sourceMaps ? ['--enable-source-maps'] : []),
      '-e',
      "const t = performance.now(); require('./index.js'); process.stdout.write(String(performance.now() - t))",
    ],
    {
      cwd: directory,
      encoding: 'utf8',
      env: {
        ...process.env,
        AWS_REGION: 'us-east-1',
        SNOWFLAKE_DISABLE_MINICORE: 'true',
        POWERTOOLS_LOG_LEVEL: 'SILENT',
      },
    },
  );
  if (result.status !== 0)
    throw new Error(`${directory}: ${result.stderr.split('\n').slice(0, 4).join(' ')}`);
  return Number(result.stdout);
}

/**
 * The median of RUNS loads of each bundle, with and without source maps. The bundles take turns, one
 * load each per round, so that whatever else slows the machine for a while weighs on all of them alike
 * and the ratios to the minimal bundle hold.
 */
function medianInitMs(node: string, directories: string[]): Map<string, { plain: number; maps: number }> {
  const times = new Map(
    directories.map((directory) => [directory, { plain: [] as number[], maps: [] as number[] }]),
  );
  for (let run = 0; run < RUNS; run += 1)
    for (const directory of directories) {
      times.get(directory)!.plain.push(loadMs(node, directory, false));
      times.get(directory)!.maps.push(loadMs(node, directory, true));
    }
  const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  return new Map(
    [...times].map(([directory, { plain, maps }]) => [
      directory,
      { plain: median(plain), maps: median(maps) },
    ]),
  );
}

/** The baseline: the S3 client and the Powertools logger, bundled as the functions are (esbuild, CJS, minified, maps). */
function minimalBundle(directory: string): void {
  const entry = join(directory, 'entry.ts');
  writeFileSync(
    entry,
    "import { S3Client } from '@aws-sdk/client-s3';\nimport { Logger } from '@aws-lambda-powertools/logger';\nconst s3 = new S3Client({});\nconst logger = new Logger();\nexport const handler = async () => { logger.info('x'); return s3.config.region; };\n",
  );
  buildSync({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    minify: true,
    sourcemap: true,
    outfile: join(directory, 'index.js'),
    nodePaths: [join(root, 'node_modules')],
    logLevel: 'error',
  });
}

function main(): void {
  const node = node22();
  const out = mkdtempSync(join(tmpdir(), 'cold-start-'));
  try {
    execFileSync(
      'npx',
      [
        'cdk',
        'synth',
        '--quiet',
        '-c',
        'env=prod',
        '-c',
        `overrides=${JSON.stringify(SNOWFLAKE)}`,
        '-o',
        out,
      ],
      { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] },
    );
    const template = JSON.parse(readFileSync(join(out, 'Pipeline-prod.template.json'), 'utf8')) as {
      Resources: Record<
        string,
        { Type: string; Properties: { Code?: { S3Key?: unknown }; Handler?: string } }
      >;
    };
    const names = new Map<string, string>();
    for (const [id, resource] of Object.entries(template.Resources))
      // The pipeline's own functions (index.<handler>), not the CDK's helpers (framework, notifications).
      if (
        resource.Type === 'AWS::Lambda::Function' &&
        typeof resource.Properties.Code?.S3Key === 'string' &&
        resource.Properties.Handler?.startsWith('index.')
      )
        names.set(resource.Properties.Code.S3Key.replace(/\.zip$/, ''), id.replace(/[0-9A-F]{8}$/, ''));
    const baseline = join(out, 'baseline');
    rmSync(baseline, { recursive: true, force: true });
    execFileSync('mkdir', ['-p', baseline]);
    minimalBundle(baseline);
    const rows: Array<[string, string]> = [['minimal (S3 client + logger)', baseline]];
    for (const name of readdirSync(out)
      .filter((entry) => entry.startsWith('asset.'))
      .sort()) {
      const directory = join(out, name);
      const hash = name.slice('asset.'.length);
      if (!names.has(hash)) continue;
      rows.push([names.get(hash)!, directory]);
    }
    console.log(
      `Node ${execFileSync(node, ['-v'], { encoding: 'utf8' }).trim()}, median of ${RUNS} fresh processes\n`,
    );
    console.log('| function | JS (KB) | init (ms) | init with --enable-source-maps (ms) |');
    console.log('| --- | ---: | ---: | ---: |');
    const figures: Record<string, ColdStart> = {};
    const medians = medianInitMs(
      node,
      rows.map(([, directory]) => directory),
    );
    for (const [name, directory] of rows) {
      const measured = {
        jsKb: Math.round(javascriptBytes(directory) / 1024),
        initMs: Math.round(medians.get(directory)!.plain),
        initMsWithSourceMaps: Math.round(medians.get(directory)!.maps),
      };
      figures[name] = measured;
      console.log(
        `| ${name} | ${measured.jsKb.toLocaleString('en')} | ${measured.initMs} | ${measured.initMsWithSourceMaps} |`,
      );
    }
    writeResult('cold-start', figures);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

main();
