/**
 * Which Parquet library writes the transformed layer: both candidates write the same flattened events
 * (row groups of 50,000, snappy) in a process of their own, and DuckDB reads each file back to check it.
 *
 *   npx tsx bench/parquet-writers.bench.ts [rows]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventsBetween } from '../local/fixture-api/events';

const ROW_GROUP = 50_000;

function flatRows(start: number, end: number) {
  return eventsBetween(start, end).map((event) => ({
    id: event.id,
    type: event.type,
    user_id: event.user_id,
    amount: event.amount,
    currency: event.currency,
    occurred_at: event.occurred_at,
    updated_at: event.updated_at,
    context__browser: event.context.browser,
    context__page__path: event.context.page.path,
    context__page__referrer: event.context.page.referrer,
    tags: JSON.stringify(event.tags),
    _batch_id: 'bench',
    _record_hash: 'x'.repeat(16),
  }));
}
type Row = ReturnType<typeof flatRows>[number];
const stringColumns = [
  'id',
  'type',
  'user_id',
  'currency',
  'occurred_at',
  'updated_at',
  'context__browser',
  'context__page__path',
  'context__page__referrer',
  'tags',
  '_batch_id',
  '_record_hash',
] as const;

async function hyparquet(file: string, rows: number): Promise<void> {
  const { ParquetWriter, fileWriter } = await import('hyparquet-writer');
  const writer = fileWriter(file);
  const schema = [
    { name: 'root', num_children: stringColumns.length + 1 },
    ...stringColumns.map((name) => ({
      name,
      type: 'BYTE_ARRAY' as const,
      converted_type: 'UTF8' as const,
      repetition_type: 'OPTIONAL' as const,
    })),
    { name: 'amount', type: 'DOUBLE' as const, repetition_type: 'OPTIONAL' as const },
  ];
  const parquet = new ParquetWriter({ writer, schema });
  for (let start = 0; start < rows; start += ROW_GROUP) {
    const group = flatRows(start, Math.min(rows, start + ROW_GROUP));
    await parquet.write({
      columnData: [
        ...stringColumns.map((name) => ({ name, data: group.map((row: Row) => row[name]) })),
        { name: 'amount', data: group.map((row: Row) => row.amount) },
      ],
      rowGroupSize: ROW_GROUP,
    });
  }
  await parquet.finish();
}

async function parquetjs(file: string, rows: number): Promise<void> {
  const { ParquetSchema, ParquetWriter } = await import('@dsnp/parquetjs');
  const fields: Record<string, { type: string; optional: boolean; compression: string }> = {};
  for (const name of stringColumns) fields[name] = { type: 'UTF8', optional: true, compression: 'SNAPPY' };
  fields.amount = { type: 'DOUBLE', optional: true, compression: 'SNAPPY' };
  const writer = await ParquetWriter.openFile(new ParquetSchema(fields as never), file, {
    rowGroupSize: ROW_GROUP,
  });
  for (let start = 0; start < rows; start += ROW_GROUP) {
    for (const row of flatRows(start, Math.min(rows, start + ROW_GROUP))) {
      await writer.appendRow(Object.fromEntries(Object.entries(row).filter(([, value]) => value !== null)));
    }
  }
  await writer.close();
}

async function child(library: string, file: string, rows: number): Promise<void> {
  const started = performance.now();
  await (library === 'hyparquet-writer' ? hyparquet(file, rows) : parquetjs(file, rows));
  const seconds = (performance.now() - started) / 1000;
  writeFileSync(
    1,
    `${JSON.stringify({ seconds, peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024) })}\n`,
  );
}

async function main(): Promise<void> {
  const [mode, ...args] = process.argv.slice(2);
  if (mode === 'child') return child(args[0]!, args[1]!, Number(args[2]));
  const rows = Number(mode ?? 200_000);
  const directory = mkdtempSync(join(tmpdir(), 'parquet-bench-'));
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const duck = await (await DuckDBInstance.create(':memory:')).connect();
  console.log(
    `parquet writers: ${rows.toLocaleString('en')} flattened events, row groups of ${ROW_GROUP.toLocaleString('en')}, snappy\n`,
  );
  console.log('| library | seconds | rows/s | peak RSS (MB) | file (MB) | DuckDB reads back |');
  console.log('| --- | ---: | ---: | ---: | ---: | --- |');
  for (const library of ['hyparquet-writer', '@dsnp/parquetjs']) {
    const file = join(directory, `${library.replace(/\W/g, '_')}.parquet`);
    const run = spawnSync(
      join(__dirname, '..', 'node_modules', '.bin', 'tsx'),
      [__filename, 'child', library, file, String(rows)],
      { encoding: 'utf8' },
    );
    if (run.status !== 0) throw new Error(run.stderr);
    const result = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as {
      seconds: number;
      peakRssMb: number;
    };
    const check = await duck.runAndReadAll(
      `select count(*)::INTEGER as n, count(distinct id)::INTEGER as ids, round(sum(amount), 2)::DOUBLE as total from '${file}'`,
    );
    const [n, ids, total] = check.getRows()[0]!;
    console.log(
      `| ${library} | ${result.seconds.toFixed(2)} | ${Math.round(rows / result.seconds).toLocaleString('en')} | ${result.peakRssMb} | ${(statSync(file).size / 1e6).toFixed(1)} | ${n} rows, ${ids} ids, Σ amount ${total} |`,
    );
  }
  rmSync(directory, { recursive: true, force: true });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
