/**
 * How long each step's handler takes in a whole local run (`npm start` on the embedded defaults), the
 * basis of each function's timeout (lib/config/step-timeouts.ts): the longest of each task state, over
 * `runs` runs in a fresh data directory each.
 *
 *   npx tsx bench/step-durations.bench.ts [runs]
 */
import './quiet-metrics';
import './quiet-logs';
import '../local/local-defaults';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runLocalPipeline } from '../local/local-run';

async function main(): Promise<void> {
  const runs = Number(process.argv[2] ?? 3);
  const longest: Record<string, number> = {};
  for (let index = 0; index < runs; index += 1) {
    const dataDirectory = mkdtempSync(join(tmpdir(), 'step-durations-'));
    try {
      const summary = await runLocalPipeline({
        dataDirectory,
        logicalDate: '2026-11-20',
        batchId: `bench-${index}`,
        fresh: true,
        print: () => undefined,
      });
      if (summary.status !== 'SUCCEEDED')
        throw new Error(`run ${index} ${summary.status}: ${summary.error?.cause}`);
      for (const [state, times] of Object.entries(summary.taskMs))
        longest[state] = Math.max(longest[state] ?? 0, ...times);
      console.log(`run ${index + 1}/${runs}: ${summary.seconds.toFixed(1)} s`);
    } finally {
      rmSync(dataDirectory, { recursive: true, force: true });
    }
  }
  console.log('\n| task state | longest (ms) |\n| --- | ---: |');
  for (const [state, ms] of Object.entries(longest).sort(([, a], [, b]) => b - a))
    console.log(`| ${state} | ${Math.round(ms).toLocaleString('en')} |`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
