/**
 * What a run uses, measured, as the cost model needs it (bin/cost-model.ts → docs/cost.md): for each
 * built-in source run alone through the whole local pipeline (the deployed definition and handlers),
 * and for one generated event resource at a larger size, the records, pages, raw and transformed
 * bytes, S3 requests by operation, Parquet parts loaded, state transitions, and each task state's
 * invocations and handler time. Writes bench/results/cost-inputs.json (bench/results.ts).
 *
 *   npx tsx bench/cost-inputs.bench.ts [generated events, default 200000]
 */
import './quiet-metrics';
import './quiet-logs';
import '../local/local-defaults';
import { S3Client } from '@aws-sdk/client-s3';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sourceFolders } from '../lambdas/sources/catalogue';
import { localBuckets } from '../local/local-buckets';
import { runLocalPipeline } from '../local/local-run';
import type { RunUsage } from '../lib/cost/cost-model';
import { writeResult } from './results';

// Every handler's S3 call goes through S3Client#send (lib-storage's uploads too): counted by operation.
const s3Requests: Record<string, number> = {};
const send = S3Client.prototype.send;
S3Client.prototype.send = function counted(this: S3Client, command: { constructor: { name: string } }) {
  const operation = command.constructor.name.replace(/Command$/, '');
  s3Requests[operation] = (s3Requests[operation] ?? 0) + 1;
  return (send as (...args: unknown[]) => unknown).apply(this, [command]);
} as typeof S3Client.prototype.send;

function folderUsage(directory: string): { bytes: number; objects: number } {
  let bytes = 0;
  let objects = 0;
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) {
      const inner = folderUsage(path);
      bytes += inner.bytes;
      objects += inner.objects;
    } else if (!entry.name.startsWith('.') && !entry.name.endsWith('._S3rver_metadata.json')) {
      // s3rver keeps each object as a file named after its key, beside metadata files of its own.
      bytes += statSync(path).size;
      objects += 1;
    }
  }
  return { bytes, objects };
}

async function measure(label: string, sources: string[], eventCount?: number): Promise<RunUsage> {
  for (const operation of Object.keys(s3Requests)) delete s3Requests[operation];
  const dataDirectory = mkdtempSync(join(tmpdir(), 'cost-inputs-'));
  try {
    const summary = await runLocalPipeline({
      dataDirectory,
      logicalDate: '2026-11-20',
      batchId: `cost-${label.replace(/[^A-Za-z0-9_.:-]+/g, '-')}`,
      sources,
      fresh: true,
      print: () => undefined,
      ...(eventCount ? { fixture: { eventCount } } : {}),
    });
    if (summary.status !== 'SUCCEEDED')
      throw new Error(`${label}: ${summary.status} ${summary.error?.cause}`);
    const bytes: Record<string, number> = {};
    const objects: Record<string, number> = {};
    for (const [layer, bucket] of Object.entries(localBuckets)) {
      const usage = folderUsage(join(summary.s3Directory, bucket));
      bytes[layer] = usage.bytes;
      objects[layer] = usage.objects;
    }
    const tasks = Object.fromEntries(
      Object.entries(summary.taskMs).map(([state, times]) => [
        state,
        { invocations: times.length, ms: Math.round(times.reduce((sum, ms) => sum + ms, 0)) },
      ]),
    );
    const usage: RunUsage = {
      label,
      sources,
      records: summary.extracts.reduce((sum, extract) => sum + extract.records, 0),
      pages: summary.extracts.reduce((sum, extract) => sum + extract.pages, 0),
      bytes,
      objects,
      s3Requests: { ...s3Requests },
      parquetFiles: summary.loadedFiles.length,
      transitions: summary.transitions,
      tasks,
      seconds: Math.round(summary.seconds * 10) / 10,
    };
    console.log(
      `${label}: ${usage.records.toLocaleString('en')} records, ${usage.pages} pages, ${usage.transitions} transitions, ${usage.seconds} s`,
    );
    return usage;
  } finally {
    rmSync(dataDirectory, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const generated = Number(process.argv[2] ?? 200_000);
  const runs: RunUsage[] = [];
  for (const folder of sourceFolders()) runs.push(await measure(folder.name, [folder.name]));
  // The generated events at a larger size: the per-GB figures for a large resource (docs/cost.md).
  runs.push(
    await measure(`events_oauth at ${generated.toLocaleString('en')} events`, ['events_oauth'], generated),
  );
  writeResult('cost-inputs', runs);
  console.log('\nwritten: bench/results/cost-inputs.json; `npm run cost` writes docs/cost.md from it');
}

if (require.main === module)
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
