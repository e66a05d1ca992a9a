/** `npm run bench`: every benchmark in turn. Results go into docs/benchmarks.md by hand, with the machine. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const benchmarks = ['extract.bench.ts', 'validate.bench.ts'];
const tsx = join(__dirname, '..', 'node_modules', '.bin', 'tsx');
for (const file of benchmarks) {
  const { status } = spawnSync(tsx, [join(__dirname, file), ...process.argv.slice(2)], { stdio: 'inherit' });
  if (status !== 0) process.exit(status ?? 1);
}
