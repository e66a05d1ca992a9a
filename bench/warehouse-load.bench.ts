/**
 * Loading one transformed Parquet file into RAW, in each local warehouse: DuckDB's file (the local
 * Snowpipe) and PostgreSQL (`--warehouse postgres`, on a server of its own started here). The file
 * has gfn/footprint_by_year's shape (12 columns: integers, doubles, text, a timestamp), the largest
 * table of `npm start`. Each size is loaded 3 times into an empty table; the median is kept.
 *
 *   npx tsx bench/warehouse-load.bench.ts [rows ...]     (default 10000 100000)
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { LocalWarehouse } from '../local/warehouse/warehouse';
import { PostgresWarehouse } from '../local/postgres/postgres-warehouse';
import { startLocalPostgres } from '../local/postgres/local-postgres';
import type { PipelineWarehouse } from '../local/warehouse/pipeline-warehouse';
import { writeResult } from './results';

const ROUNDS = 3;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** A Parquet file of `rows` rows shaped like gfn__footprint_by_year, as validate writes it. */
async function parquetFile(directory: string, rows: number): Promise<Uint8Array> {
  const file = join(directory, `footprint-${rows}.parquet`);
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  await connection.run(`copy (
    select (i % 250)::bigint as country_code, 'Country ' || (i % 250) as country_name, 'ISO' || (i % 250) as iso_a2,
      1961 + (i % 58)::bigint as year, (array['EFConsTotGHA', 'BiocapTotGHA', 'EFProdTotGHA'])[1 + i % 3] as record,
      i * 1.0001 as crop_land, i * 0.5 as grazing_land, i * 0.25 as forest_land, i * 0.125 as fishing_ground,
      i * 0.0625 as built_up_land, i * 3.14159 as value, 'A' as score,
      'b-1' as _batch_id, timestamptz '2026-12-07 06:00:00+00' as _extracted_at, 'k' || i as _source_key,
      md5(i::varchar) as _record_hash
    from range(${rows}) as t(i)) to '${file}' (format parquet)`);
  connection.closeSync();
  instance.closeSync();
  return readFileSync(file);
}

async function loadTimes(
  warehouse: PipelineWarehouse,
  bytes: Uint8Array,
  rows: number,
): Promise<{ ms: number; rowsPerSecond: number }> {
  const times: number[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    await warehouse.rows('drop table if exists raw.bench__footprint');
    await warehouse.rows('delete from raw._load_history');
    const started = process.hrtime.bigint();
    const loaded = await warehouse.loadFile(
      `bench/footprint/dt=2026-12-07/batch=b-${round}/part-00001.parquet`,
      bytes,
    );
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
    if (loaded !== rows) throw new Error(`loaded ${loaded} rows, not ${rows}`);
  }
  const ms = median(times);
  return { ms: Math.round(ms), rowsPerSecond: Math.round((rows / ms) * 1000) };
}

async function main(): Promise<void> {
  const sizes = process.argv.slice(2).map(Number);
  const directory = mkdtempSync(join(tmpdir(), 'warehouse-load-bench-'));
  const server = await startLocalPostgres(join(directory, 'postgres'));
  const duckdb = await LocalWarehouse.open(join(directory, 'warehouse.duckdb'));
  const postgres = await PostgresWarehouse.open(server.url);
  const figures: Array<{ rows: number; engine: string; ms: number; rowsPerSecond: number }> = [];
  try {
    console.log('| rows | DuckDB (ms) | DuckDB rows/s | PostgreSQL (ms) | PostgreSQL rows/s |');
    console.log('| ---: | ---: | ---: | ---: | ---: |');
    for (const rows of sizes.length ? sizes : [10_000, 100_000]) {
      const bytes = await parquetFile(directory, rows);
      const inDuckdb = await loadTimes(duckdb, bytes, rows);
      const inPostgres = await loadTimes(postgres, bytes, rows);
      figures.push({ rows, engine: 'duckdb', ...inDuckdb }, { rows, engine: 'postgres', ...inPostgres });
      const n = (value: number) => value.toLocaleString('en');
      console.log(
        `| ${n(rows)} | ${n(inDuckdb.ms)} | ${n(inDuckdb.rowsPerSecond)} | ${n(inPostgres.ms)} | ${n(inPostgres.rowsPerSecond)} |`,
      );
    }
    writeResult('warehouse-load', figures);
  } finally {
    duckdb.close();
    await postgres.close();
    await server.stop();
    rmSync(directory, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
