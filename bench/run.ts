/**
 * `npm run bench`: every benchmark in turn, each at its documented size. Their tables go into
 * docs/benchmarks.md by hand, with the machine; the figures the cost model reads go to bench/results/
 * (then `npm run cost` rewrites docs/cost.md). Run one alone to choose its size
 * (`npx tsx bench/extract.bench.ts 200000`, `npx tsx bench/validate.bench.ts 100`).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const benchmarks = [
  'extract.bench.ts',
  'validate.bench.ts',
  'stream.bench.ts',
  'execution-scale.bench.ts',
  'publish.bench.ts',
  'step-durations.bench.ts',
  'cold-start.bench.ts',
  'cost-inputs.bench.ts',
  'warehouse-load.bench.ts',
];
const tsx = join(__dirname, '..', 'node_modules', '.bin', 'tsx');
for (const file of benchmarks) {
  const { status } = spawnSync(tsx, [join(__dirname, file)], { stdio: 'inherit' });
  if (status !== 0) process.exit(status ?? 1);
}
