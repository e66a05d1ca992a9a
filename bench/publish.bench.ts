/**
 * Write-audit-publish, two ways, on DuckDB: how long publishing one batch into a large CLEAN table takes
 * (a) merged in a transaction, committed or rolled back (what the quality step does), and (b) merged
 * into a copy of the CLEAN table that then replaces it (clone and swap, DuckDB having no zero-copy
 * clone). The checks cost the same either way and are left out; the MERGE is CLEAN's own
 * (events_oauth__events, keyed by id), half of the batch new records and half new versions.
 *
 *   npx tsx bench/publish.bench.ts [cleanRows ...]     (default 1000000 5000000; batch 20,000 rows)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadContracts } from '../lambdas/contracts/contract';
import { cleanModels } from '../lambdas/warehouse/clean-models';
import { LocalWarehouse } from '../local/warehouse/warehouse';

const BATCH_ROWS = 20_000;
const ROUNDS = 3;
const model = cleanModels(loadContracts().get('events_oauth/events')!)[0]!;

/** RAW rows `from`…`to` of batch `batch`, in the RAW table's shape, extracted at `extractedAt`. */
const rawRows = (from: number, to: number, batch: string, extractedAt: string) => `
  select 'evt_' || i as id, 'purchase' as type, 'user_' || (i % 5000) as user_id, (i % 50000) / 100.0 as amount,
    'EUR' as currency, timestamptz '2026-01-01 00:00:00+00' + to_seconds(i) as occurred_at,
    timestamptz '2026-01-01 00:00:30+00' + to_seconds(i) as updated_at, 'Firefox/133.0' as context__browser,
    '/products/' || (i % 20) as context__page__path, null::varchar as context__page__referrer, '[]' as tags,
    '${batch}' as _batch_id, timestamptz '${extractedAt}' as _extracted_at, 'k-' || i as _source_key,
    md5('${batch}' || i) as _record_hash, 'f-${batch}' as _file_name, i as _file_row_number, now() as _loaded_at
  from range(${from}, ${to}) as t(i)`;

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function measure(cleanRows: number): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), 'publish-bench-'));
  const warehouse = await LocalWarehouse.open(join(directory, 'warehouse.duckdb'));
  try {
    await warehouse.rows(
      `create table raw.events_oauth__events as ${rawRows(0, cleanRows, 'base', '2026-01-02 00:00:00+00')}`,
    );
    await warehouse.rows(
      `insert into raw.events_oauth__events ${rawRows(cleanRows - BATCH_ROWS / 2, cleanRows + BATCH_ROWS / 2, 'next', '2026-01-03 00:00:00+00')}`,
    );
    await warehouse.rows(model.statements.create);
    await warehouse.rows(model.statements.mergeBatch, ['base']);
    await warehouse.rows('create table raw.pristine as select * from clean.events_oauth__events');
    const restore = () =>
      warehouse.rows(
        'delete from clean.events_oauth__events; insert into clean.events_oauth__events select * from raw.pristine',
      );
    const results: Record<string, number[]> = { commit: [], rollback: [], swap: [] };
    await warehouse.inSession(async (session) => {
      for (let round = 0; round < ROUNDS; round += 1) {
        for (const ending of ['commit', 'rollback'] as const) {
          await restore();
          results[ending]!.push(
            await timed(async () => {
              await session.execute('begin transaction');
              await session.execute(model.statements.mergeBatch, ['next']);
              await session.execute(ending);
            }),
          );
        }
        await restore();
        const staged = model.statements.mergeBatch.replace('merge into clean.', 'merge into raw.staged_');
        results.swap!.push(
          await timed(async () => {
            await session.execute(
              'create or replace table raw.staged_events_oauth__events as select * from clean.events_oauth__events',
            );
            await session.execute(staged, ['next']);
            await session.execute('begin transaction');
            await session.execute('delete from clean.events_oauth__events');
            await session.execute(
              'insert into clean.events_oauth__events select * from raw.staged_events_oauth__events',
            );
            await session.execute('commit');
            await session.execute('drop table raw.staged_events_oauth__events');
          }),
        );
      }
    });
    const [{ rows }] = (await warehouse.rows(
      'select count(*)::integer as rows from clean.events_oauth__events',
    )) as [{ rows: number }];
    const cell = (name: string) => `${Math.round(median(results[name]!))} ms`;
    console.log(
      `| ${cleanRows.toLocaleString('en')} | ${BATCH_ROWS.toLocaleString('en')} | ${cell('commit')} | ${cell('rollback')} | ${cell('swap')} | ${rows.toLocaleString('en')} |`,
    );
  } finally {
    warehouse.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const sizes = process.argv.slice(2).map(Number);
  console.log(
    `Publishing a batch of ${BATCH_ROWS.toLocaleString('en')} rows (median of ${ROUNDS}), DuckDB, ${process.arch}`,
  );
  console.log(
    '| CLEAN rows | batch rows | merge + commit | merge + rollback | copy, merge, replace | CLEAN rows after |',
  );
  console.log('| ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const size of sizes.length ? sizes : [1_000_000, 5_000_000]) await measure(size);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
