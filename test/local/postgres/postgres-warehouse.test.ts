import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalRunSummary, runLocalPipeline } from '../../../local/local-run';
import { openWarehouse, OpenedWarehouse } from '../../../local/warehouse/open-warehouse';
import { buildReport } from '../../../local/report/build-report';
import type { SqlExecutor } from '../../../lambdas/warehouse/sql-executor';
import { catalogueChecks } from '../../../lambdas/quality/check-config';
import { LocalPostgres, startLocalPostgres } from '../../../local/postgres/local-postgres';
import { PostgresExecutor } from '../../../local/postgres/postgres-executor';
import { sessionSettings } from '../../../local/postgres/postgres-dialect';

/** docs/postgres.md's grants for readers, as run by the loader's owner (here the server's superuser). */
const READER_GRANTS = [
  'grant usage on schema clean, analytics, pipeline_dialect to pipeline_reader',
  'grant select on all tables in schema clean, analytics to pipeline_reader',
  'alter default privileges for role pipeline_loader in schema clean, analytics grant select on tables to pipeline_reader',
];

/** Columns that name the run or its time, which two runs of the same data do not share. */
const RUN_STAMPED: Record<string, string[]> = {
  pipeline_runs: ['started_at', 'finished_at', 'duration_seconds'],
  dq_check_results: ['checked_at'],
  table_loads: ['newest_extracted_at', 'published_at'],
  vw_data_freshness: ['last_extracted_at', 'last_published_at', 'event_age_minutes'],
};
const CLEAN_RUN_STAMPED = ['_batch_id', '_extracted_at', '_source_key'];

/**
 * A table's rows as each engine writes them in text (`cast(… as varchar)`: the same dates and
 * instants in both when the values are equal; numbers compared as numbers), sorted, without the
 * columns left out.
 */
async function rowsAsText(
  executor: SqlExecutor,
  schema: string,
  table: string,
  leftOut: readonly string[] = [],
): Promise<string[]> {
  const columns = (
    await executor.execute(
      'select column_name from information_schema.columns where table_schema = ? and table_name = ? order by ordinal_position',
      [schema, table],
    )
  )
    .map((row) => String(row.column_name))
    .filter((column) => !leftOut.includes(column));
  const rows = await executor.execute(
    `select ${columns.map((column) => `cast(${column} as varchar) as ${column}`).join(', ')} from ${schema}.${table}`,
  );
  return rows.map((row) => JSON.stringify(columns.map((column) => asNumberText(row[column])))).sort();
}

/**
 * A number's text as JavaScript writes its double (`109`, not DuckDB's `109.0`): the engines differ
 * only in how they spell an equal double. Any other text stays as it is.
 */
function asNumberText(cell: unknown): unknown {
  if (typeof cell !== 'string' || !/^-?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(cell)) return cell ?? null;
  return String(Number(cell));
}

describe('npm start -- --warehouse postgres: the same pipeline into a real PostgreSQL (issue 21)', () => {
  const directories: string[] = [];
  const newDirectory = () => {
    const directory = mkdtempSync(join(tmpdir(), 'postgres-warehouse-'));
    directories.push(directory);
    return directory;
  };
  afterAll(() => {
    for (const directory of directories) rmSync(directory, { recursive: true, force: true });
  });

  describe('every built-in source, into DuckDB and into PostgreSQL of its own', () => {
    const run = { logicalDate: '2026-12-07', batchId: 'same-run', fixture: { eventCount: 500 } };
    let duckdbRun: LocalRunSummary;
    let postgresRun: LocalRunSummary;
    let duckdb: OpenedWarehouse;
    let postgres: OpenedWarehouse;

    beforeAll(async () => {
      duckdbRun = await runLocalPipeline({ ...run, dataDirectory: newDirectory() });
      const postgresDirectory = newDirectory();
      postgresRun = await runLocalPipeline({
        ...run,
        dataDirectory: postgresDirectory,
        warehouse: 'postgres',
      });
      duckdb = await openWarehouse({ kind: 'duckdb', dataDirectory: join(duckdbRun.warehousePath, '..') });
      // The run stopped its server; this starts it again on the cluster the run left in the data folder.
      postgres = await openWarehouse({ kind: 'postgres', dataDirectory: postgresDirectory });
    }, 240_000);
    afterAll(async () => {
      await duckdb?.close();
      await postgres?.close();
    });

    it('completes, its server of its own in the data folder, every layer holding what DuckDB holds', () => {
      expect(postgresRun.status).toBe('SUCCEEDED');
      expect(duckdbRun.status).toBe('SUCCEEDED');
      expect(postgresRun.warehouseKind).toBe('postgres');
      expect(postgresRun.warehousePath).toMatch(
        /^PostgreSQL of its own in .*postgres-warehouse-.*\/postgres /,
      );
      expect(postgresRun.quality?.verdict).toBe('pass');
      expect(postgresRun.quality?.results).toHaveLength(duckdbRun.quality!.results.length);
      expect(postgresRun.layers).toEqual(duckdbRun.layers);
      expect(postgresRun.loadedFiles.map((file) => file.key).sort()).toEqual(
        duckdbRun.loadedFiles.map((file) => file.key).sort(),
      );
    });

    it("gold's numbers equal DuckDB's, value for value, in every ANALYTICS table and view", async () => {
      const objects = postgresRun.layers.analytics.map((entry) => entry.table);
      expect(objects).toEqual(
        expect.arrayContaining([
          'fakestore_sales_by_day',
          'fakestore_revenue_by_category',
          'fakestore_product_performance',
          'fakestore_customer_activity',
          'gfn_footprint_vs_biocapacity',
          'anl_daily_summary',
          'pipeline_runs',
        ]),
      );
      const freshnessChecks = new Set(
        catalogueChecks()
          .filter((check) => check.kind === 'freshness')
          .map((check) => check.name),
      );
      for (const table of objects) {
        const leftOut = RUN_STAMPED[table] ?? [];
        let expected = await rowsAsText(duckdb.warehouse.executor(), 'analytics', table, leftOut);
        let actual = await rowsAsText(postgres.warehouse.executor(), 'analytics', table, leftOut);
        // A freshness check's metric is hours to the clock, which moves between the two runs.
        if (table === 'dq_check_results') {
          // batch_id, table_name, check_name, …
          const stable = (row: string) => !freshnessChecks.has((JSON.parse(row) as string[])[2]!);
          [expected, actual] = [expected.filter(stable), actual.filter(stable)];
        }
        expect({ table, rows: actual }).toEqual({ table, rows: expected });
      }
      // The numbers are there to compare: revenue by category, in dollars and cents.
      const [top] = await postgres.warehouse.rows(
        'select category, revenue from analytics.fakestore_revenue_by_category order by revenue desc limit 1',
      );
      expect(top).toEqual({ category: expect.any(String), revenue: expect.any(Number) });
    });

    it("CLEAN equals DuckDB's, the SOAP source's order lines included, typed", async () => {
      for (const { table } of postgresRun.layers.clean)
        expect({
          table,
          rows: await rowsAsText(postgres.warehouse.executor(), 'clean', table, CLEAN_RUN_STAMPED),
        }).toEqual({
          table,
          rows: await rowsAsText(duckdb.warehouse.executor(), 'clean', table, CLEAN_RUN_STAMPED),
        });
      expect(
        await postgres.warehouse.rows(
          `select count(*) as lines, pg_typeof(min(quantity))::text as quantity_type, pg_typeof(min(order_date))::text as date_type
           from clean.legacy_erp__order_lines`,
        ),
      ).toEqual([{ lines: 14, quantity_type: 'bigint', date_type: 'timestamp with time zone' }]);
    });

    it('npm run report reads PostgreSQL as it reads DuckDB', async () => {
      const at = new Date('2026-12-07T12:00:00Z');
      const summaryLine = (html: string) => /<p class="meta">[^<]*<\/p>/.exec(html)?.[0];
      const fromPostgres = await buildReport(postgres.warehouse, at);
      expect(summaryLine(fromPostgres)).toMatch(/1 run\(s\), \d+ check\(s\) on \d+ table\(s\)/);
      expect(summaryLine(fromPostgres)).toBe(summaryLine(await buildReport(duckdb.warehouse, at)));
      expect(fromPostgres).toContain('legacy_erp__order_lines');
    });

    it('loads each file once: a second load of the same file adds nothing', async () => {
      const [loaded] = postgresRun.loadedFiles;
      const before = await postgres.warehouse.tableCounts('raw');
      await expect(postgres.warehouse.loadFile(loaded!.key, new Uint8Array())).resolves.toBe(0);
      expect(await postgres.warehouse.tableCounts('raw')).toEqual(before);
    });
  });

  it('says so when the local S3 has incremental state from runs into the other warehouse', async () => {
    const dataDirectory = newDirectory();
    const options = { dataDirectory, sources: ['fakestore'], logicalDate: '2026-12-07' };
    const intoDuckdb = await runLocalPipeline({ ...options, batchId: 'into-duckdb' });
    expect(intoDuckdb.status).toBe('SUCCEEDED');
    const printed: string[] = [];
    const intoPostgres = await runLocalPipeline({
      ...options,
      batchId: 'into-postgres',
      warehouse: 'postgres',
      print: (line) => printed.push(line),
    });
    expect(intoPostgres.status).toBe('SUCCEEDED');
    expect(printed).toContainEqual(
      expect.stringMatching(
        /has incremental state from earlier runs, but this warehouse has no run yet.*--fresh/,
      ),
    );
    // The second run into PostgreSQL is not told again.
    const again: string[] = [];
    await runLocalPipeline({
      ...options,
      batchId: 'again',
      warehouse: 'postgres',
      print: (line) => again.push(line),
    });
    expect(again.filter((line) => line.includes('has incremental state'))).toEqual([]);
  }, 120_000);

  describe('on a server of DATABASE_URL, as a role with only the grants docs/postgres.md lists', () => {
    let server: LocalPostgres;
    let admin: PostgresExecutor;
    /** The loader's URL: the server's, as `pipeline_loader` (loopback trusts it; a real server asks its password). */
    let loaderUrl: string;
    beforeAll(async () => {
      server = await startLocalPostgres(newDirectory(), 'someone_elses');
      admin = new PostgresExecutor(server.url);
      // docs/postgres.md, "Roles and grants", as written there.
      for (const statement of [
        'create role pipeline_loader login',
        'grant connect, create on database someone_elses to pipeline_loader',
        'create role pipeline_reader login',
        'grant connect on database someone_elses to pipeline_reader',
      ])
        await admin.execute(statement);
      const url = new URL(server.url);
      url.username = 'pipeline_loader';
      loaderUrl = url.toString();
    }, 60_000);
    afterAll(async () => {
      await admin?.close();
      await server?.stop();
    });

    it('holds a batch that fails its gate out of CLEAN and ANALYTICS, keeps its results and its run row', async () => {
      const dataDirectory = newDirectory();
      const checks = join(dataDirectory, 'checks');
      mkdirSync(checks);
      const options = {
        dataDirectory,
        sources: ['fakestore'],
        warehouse: 'postgres' as const,
        databaseUrl: loaderUrl,
        checksDirectory: checks,
      };
      writeFileSync(
        join(checks, 'fakestore__products.yml'),
        'table: fakestore__products\nchecks:\n  - row_count: { min: 1 }\n',
      );
      const good = await runLocalPipeline({ ...options, logicalDate: '2026-12-06', batchId: 'good' });
      expect(good.status).toBe('SUCCEEDED');
      expect(good.warehousePath).toBe(loaderUrl);
      writeFileSync(
        join(checks, 'fakestore__products.yml'),
        'table: fakestore__products\nchecks:\n  - row_count: { min: 1000 }\n',
      );
      const opened = await openWarehouse({ kind: 'postgres', dataDirectory, databaseUrl: loaderUrl });
      try {
        const published = () =>
          Promise.all(
            ['clean.fakestore__products', 'analytics.fakestore_revenue_by_category'].map((table) =>
              rowsAsText(opened.warehouse.executor(), table.split('.')[0]!, table.split('.')[1]!),
            ),
          );
        const before = await published();
        const held = await runLocalPipeline({ ...options, logicalDate: '2026-12-07', batchId: 'held' });
        expect(held.status).toBe('FAILED');
        expect(held.error).toMatchObject({
          name: 'QualityGateError',
          cause: expect.stringContaining('fakestore__products: row_count() = 20 (expected >= 1000)'),
        });
        expect(held.committed).toEqual([]);
        expect(await published()).toEqual(before);
        expect(
          await opened.warehouse.rows(
            'select batch_id, status, failed_step from analytics.pipeline_runs order by started_at',
          ),
        ).toEqual([
          { batch_id: 'good', status: 'SUCCEEDED', failed_step: null },
          { batch_id: 'held', status: 'FAILED', failed_step: 'Check data quality' },
        ]);
        expect(
          await opened.warehouse.rows(
            "select status, metric_value from analytics.dq_check_results where batch_id = 'held'",
          ),
        ).toEqual([{ status: 'fail', metric_value: 20 }]);
        // The held batch is in RAW, loaded, waiting for a good run to publish it with its own.
        expect(held.layers.raw.find((entry) => entry.table === 'fakestore__products')?.rows).toBe(40);
      } finally {
        await opened.close();
      }
    }, 120_000);

    it('a reader granted what the docs say reads every layer, the views with the dialect functions included', async () => {
      for (const statement of READER_GRANTS) await admin.execute(statement);
      const url = new URL(server.url);
      url.username = 'pipeline_reader';
      const reader = new PostgresExecutor(url.toString(), sessionSettings);
      try {
        expect(
          await reader.execute(
            'select count(*) as tables, min(freshness_status) as status from analytics.vw_data_freshness',
          ),
        ).toEqual([{ tables: 4, status: expect.stringMatching(/^(FRESH|STALE)$/) }]);
        expect(await reader.execute('select count(*) as n from clean.fakestore__products')).toEqual([
          { n: 20 },
        ]);
        // Reading is all it may do.
        await expect(reader.execute('delete from clean.fakestore__products')).rejects.toThrow(
          /permission denied/,
        );
      } finally {
        await reader.close();
      }
    });

    it('one run of a data directory at a time: a second waits for the first, then says what to do', async () => {
      const dataDirectory = newDirectory();
      const choice = { kind: 'postgres' as const, dataDirectory, databaseUrl: loaderUrl, exclusive: true };
      const first = await openWarehouse(choice);
      const told: string[] = [];
      try {
        await expect(
          openWarehouse({ ...choice, waitForLockMs: 500, onWait: (message) => told.push(message) }),
        ).rejects.toThrow(/^another command holds the local run of .*: wait for it to finish, or stop it$/);
        expect(told).toEqual([
          expect.stringMatching(/^another command holds the local run of .*; waiting for it$/),
        ]);
        // Readers never wait: npm run sql and npm run report read while a run writes.
        const reader = await openWarehouse({ ...choice, exclusive: false });
        await reader.close();
      } finally {
        await first.close();
      }
      const next = await openWarehouse(choice);
      await next.close();
    });

    it("--fresh empties the pipeline's four schemas and touches nothing else in the database", async () => {
      await admin.execute('create table public.not_ours (id int)');
      await admin.execute('grant select on public.not_ours to pipeline_loader');
      const fresh = await openWarehouse({
        kind: 'postgres',
        dataDirectory: newDirectory(),
        databaseUrl: loaderUrl,
        exclusive: true,
        fresh: true,
      });
      try {
        expect(await fresh.warehouse.tableCounts('clean')).toEqual([]);
        expect(await fresh.warehouse.tableCounts('raw')).toEqual([]);
        expect((await fresh.warehouse.tableCounts('analytics')).map((entry) => entry.rows)).toEqual([
          0, 0, 0,
        ]);
        expect(await fresh.warehouse.rows('select count(*) as n from public.not_ours')).toEqual([{ n: 0 }]);
      } finally {
        await fresh.close();
      }
    });
  });
});
