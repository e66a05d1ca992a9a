/**
 * Validate throughput and memory: ~1 GB of raw event pages (as extract lands them) turned into Parquet by
 * the validate step, beside DuckDB doing read_json → Parquet on one thread, in the same run.
 *
 *   npm run bench                      (every benchmark)
 *   npx tsx bench/validate.bench.ts [megabytes of raw JSON, default 1024]
 *
 * The raw pages are landed once in s3rver (its own process, as S3 would be); validate reads them from
 * there and writes its Parquet there. DuckDB does the same job twice: from the raw bucket to the
 * transformed bucket (the reference of the target), and from local files to a local file (what its
 * read and write alone cost). It has no S3 access offline (no httpfs in this build), so for the first
 * it is handed validate's own transfer code: the pages are downloaded as validate downloads them, and
 * its Parquet parts are uploaded while it writes the next, which is faster than DuckDB's httpfs would
 * be on one thread (one file after another). Each contender runs in a process of its own so its peak
 * RSS is its own.
 */
import { spawn, ChildProcess, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { buildSync } from 'esbuild';
import { DuckDBInstance } from '@duckdb/node-api';
import { createS3Client } from '../lambdas/shared/s3-client';
import { logger } from '../lambdas/shared/logger';
import { loadContracts } from '../lambdas/contracts/contract';
import { validateResource } from '../lambdas/validate/validate-resource';
import { FETCHED_AT_METADATA, RawLanding, Manifest } from '../lambdas/raw-zone/raw-landing';
import { manifestKey, rawPageKey } from '../lambdas/shared/keys';
import { readJsonObject } from '../lambdas/shared/s3-json';
import { sqlString } from '../lambdas/shared/sql-text';
import { downloadPages } from '../lambdas/validate/fast-path/page-download';
import { partFiles } from '../lambdas/validate/fast-path/duckdb-fast-path';
import { PartUploader } from '../lambdas/validate/fast-path/part-uploader';
import { eventsBetween } from '../local/fixture-api/events';
import { startLocalS3 } from '../local/local-s3';

const PAGE_EVENTS = 1000;
const batch = { source: 'events_apikey', resource: 'events', logicalDate: '2026-11-22', batchId: 'bench' };
const tsx = join(__dirname, '..', 'node_modules', '.bin', 'tsx');

interface Measurement {
  records: number;
  seconds: number;
  peakRssMb: number;
}

const secondsBetween = (from: number, to: number) => Math.round(to - from) / 1000;
const peakRssMb = () => Math.round(process.resourceUsage().maxRSS / 1024);

async function main(): Promise<void> {
  const [mode, ...args] = process.argv.slice(2);
  if (mode === 'serve-s3') return serveS3(args[0]!);
  if (mode === 'validate') return report(await runValidate(args[0]!));
  if (mode === 'duckdb') return report(await runDuckdb(args[0]!, args[1]!));
  if (mode === 'duckdb-s3') return report(await runDuckdbS3(args[0]!));
  await orchestrate(Number(mode ?? 1024));
}

function report(measurement: Measurement): void {
  writeFileSync(1, `${JSON.stringify(measurement)}\n`);
}

async function serveS3(directory: string): Promise<void> {
  const s3 = await startLocalS3({ directory, buckets: ['raw', 'transformed', 'failed'] });
  process.stdout.write(`${s3.endpoint}\n`);
}

async function runValidate(endpoint: string): Promise<Measurement> {
  logger.setLogLevel('WARN');
  const s3 = createS3Client({ AWS_ENDPOINT_URL_S3: endpoint });
  const deps = {
    s3,
    rawBucket: 'raw',
    transformedBucket: 'transformed',
    failedBucket: 'failed',
    contracts: loadContracts(),
    // Where the fast path's time went (download, DuckDB, upload), on stderr beside the table.
    logger: {
      ...logger,
      warn: logger.warn.bind(logger),
      error: logger.error.bind(logger),
      debug: () => undefined,
      info: (message: string, ...data: unknown[]) => {
        if (message === 'fast path done') console.error(`  validate's fast path: ${JSON.stringify(data[0])}`);
      },
    },
    fastPath: process.env.VALIDATE_FAST_PATH !== 'off',
  };
  const started = performance.now();
  const result = await validateResource(deps, batch);
  if (result.rejectedRecords !== 0) throw new Error(`${result.rejectedRecords} rejects in generated data`);
  return {
    records: result.validRecords,
    seconds: (performance.now() - started) / 1000,
    peakRssMb: peakRssMb(),
  };
}

/** DuckDB's whole job on one thread: every page read with read_json, written as snappy Parquet. */
const duckdbCopy = (pages: string, output: string, options = '') =>
  `copy (select * from read_json(${pages}, format = 'array')) to ${sqlString(output)} (format parquet, compression snappy${options})`;

async function runDuckdb(directory: string, output: string): Promise<Measurement> {
  const connection = await (await DuckDBInstance.create(':memory:', { threads: '1' })).connect();
  const started = performance.now();
  await connection.run(duckdbCopy(sqlString(`${directory}/*.json.gz`), output));
  const seconds = (performance.now() - started) / 1000;
  const count = await connection.runAndReadAll(`select count(*)::INTEGER from ${sqlString(output)}`);
  return { records: Number(count.getRows()[0]![0]), seconds, peakRssMb: peakRssMb() };
}

/** DuckDB from the raw bucket to the transformed bucket, with validate's download and upload. */
async function runDuckdbS3(endpoint: string): Promise<Measurement> {
  const s3 = createS3Client({ AWS_ENDPOINT_URL_S3: endpoint });
  const work = mkdtempSync(join(tmpdir(), 'bench-duckdb-s3-'));
  const partsDirectory = join(work, 'parts');
  try {
    const connection = await (await DuckDBInstance.create(':memory:', { threads: '1' })).connect();
    const started = performance.now();
    const manifest = (await readJsonObject<Manifest>(s3, 'raw', manifestKey(batch)))!.value;
    const downloaded = await downloadPages({
      s3,
      bucket: 'raw',
      pages: manifest.pages,
      directory: join(work, 'pages'),
    });
    const downloadedAt = performance.now();
    const files = manifest.pages.map((page) => sqlString(downloaded.get(page.key)!.file));
    const uploader = new PartUploader({
      s3,
      bucket: 'transformed',
      directory: partsDirectory,
      keyForPart: (part) => `duckdb-reference/part-${String(part).padStart(5, '0')}.parquet`,
    });
    await connection.run(
      duckdbCopy(`[${files.join(', ')}]`, partsDirectory, `, file_size_bytes ${128 * 1024 * 1024}`),
    );
    const writtenAt = performance.now();
    const parts = partFiles(partsDirectory);
    await uploader.complete(parts);
    const finishedAt = performance.now();
    const count = await connection.runAndReadAll(
      `select count(*)::INTEGER from read_parquet([${parts.map(sqlString).join(', ')}])`,
    );
    console.error(
      `  DuckDB's same job: ${JSON.stringify({
        downloadSeconds: secondsBetween(started, downloadedAt),
        duckdbSeconds: secondsBetween(downloadedAt, writtenAt),
        uploadSecondsAfterDuckdb: secondsBetween(writtenAt, finishedAt),
      })}`,
    );
    return {
      records: Number(count.getRows()[0]![0]),
      seconds: (finishedAt - started) / 1000,
      peakRssMb: peakRssMb(),
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function child(args: string[]): ChildProcess {
  return spawn(tsx, [__filename, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
}

/**
 * The contenders run as one esbuild bundle under plain Node, as a Lambda runs its code: under tsx
 * each process would carry ~40 MB of compiler in its peak RSS. DuckDB stays a package (native).
 */
function bundleContenders(directory: string): string {
  const outfile = join(directory, 'contenders.js');
  buildSync({
    entryPoints: [__filename],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    external: ['@duckdb/node-api', 's3rver', 'esbuild'],
    logLevel: 'warning',
  });
  // As in a Lambda bundle, the source folders (the contracts) travel next to the code that reads them.
  cpSync(join(__dirname, '..', 'sources'), join(directory, 'sources'), { recursive: true });
  return outfile;
}

function measure(bundle: string, args: string[]): Measurement {
  // BENCH_PROFILE=dir writes a V8 CPU profile of each contender there.
  const profile = process.env.BENCH_PROFILE
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`]
    : [];
  const run = spawnSync(process.execPath, [...profile, bundle, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    env: {
      ...process.env,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      NODE_PATH: join(__dirname, '..', 'node_modules'),
    },
  });
  if (run.status !== 0) throw new Error(`${args[0]} failed`);
  return JSON.parse(run.stdout.trim().split('\n').at(-1)!) as Measurement;
}

async function orchestrate(megabytes: number): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'bench-validate-'));
  const pagesDirectory = join(work, 'pages');
  mkdirSync(pagesDirectory);
  const s3Process = child(['serve-s3', join(work, 's3')]);
  const endpoint = await new Promise<string>((resolve) =>
    s3Process.stdout!.once('data', (chunk: Buffer) => resolve(chunk.toString().trim())),
  );
  try {
    // Land the raw pages as extract would, and the same pages as files for DuckDB.
    const s3 = createS3Client({ AWS_ENDPOINT_URL_S3: endpoint });
    const landing = new RawLanding(s3, 'raw');
    const manifest: Manifest = {
      ...batch,
      complete: true,
      recordsPath: '',
      primaryKey: ['id'],
      pages: [],
      records: 0,
    };
    let bytes = 0;
    for (let page = 1; bytes < megabytes * 1e6; page += 1) {
      const body = Buffer.from(JSON.stringify(eventsBetween((page - 1) * PAGE_EVENTS, page * PAGE_EVENTS)));
      const key = rawPageKey(batch, page);
      await landing.landPage(key, body, { [FETCHED_AT_METADATA]: '2026-11-22T06:00:00.000Z' });
      writeFileSync(
        join(pagesDirectory, `page-${String(page).padStart(5, '0')}.json.gz`),
        gzipSync(body, { level: 3 }),
      );
      manifest.pages.push({ key, page, records: PAGE_EVENTS, bytes: body.length, url: 'bench', status: 200 });
      manifest.records += PAGE_EVENTS;
      bytes += body.length;
    }
    await landing.flush();
    await landing.writeManifest(manifestKey(batch), manifest);
    console.log(
      `validate benchmark: ${(bytes / 1e6).toFixed(0)} MB of raw JSON, ${manifest.records.toLocaleString('en')} events in ${manifest.pages.length} pages; ${cpus().length} × ${cpus()[0]?.model}, Node ${process.version}\n`,
    );
    const bundle = bundleContenders(work);
    // The reference first: whoever runs second downloads while s3rver still writes the first one's
    // Parquet to disk, which cost the second contender ~1 s of download here.
    const duckS3 = measure(bundle, ['duckdb-s3', endpoint]);
    const ours = measure(bundle, ['validate', endpoint]);
    const duckDisk = measure(bundle, ['duckdb', pagesDirectory, join(work, 'duckdb.parquet')]);
    const rate = (m: Measurement) => m.records / m.seconds;
    const ratio = (reference: Measurement) => (rate(ours) / rate(reference)).toFixed(2);
    console.log('| contender | records | seconds | records/s | MB/s of raw JSON | peak RSS (MB) |');
    console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
    for (const [name, m] of [
      ['validate → Parquet + rejects (S3 in, S3 out)', ours],
      ['DuckDB read_json → Parquet, 1 thread (S3 in, S3 out)', duckS3],
      ['DuckDB read_json → Parquet, 1 thread (disk in, disk out)', duckDisk],
    ] as const) {
      console.log(
        `| ${name} | ${m.records.toLocaleString('en')} | ${m.seconds.toFixed(1)} | ${Math.round(rate(m)).toLocaleString('en')} | ${(bytes / 1e6 / m.seconds).toFixed(1)} | ${m.peakRssMb} |`,
      );
    }
    console.log(
      `\nratio validate / DuckDB doing the same job, S3 to S3: ${ratio(duckS3)} (target ≥ 0.50); ` +
        `validate / DuckDB on local files: ${ratio(duckDisk)}; peak RSS target < 300 MB`,
    );
  } finally {
    s3Process.kill();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
