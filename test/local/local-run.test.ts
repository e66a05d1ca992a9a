import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { LocalRunSummary, runLocalPipeline } from '../../local/local-run';
import { LocalWarehouse } from '../../local/warehouse/warehouse';
import { fixtureDirectory } from '../../local/fixture-api/fixture-data';
import { eventsBetween } from '../../local/fixture-api/events';
import type { FaultRule } from '../../local/fixture-api/server';
import { loadSources } from '../../lambdas/sources';
import { RunLeases } from '../../lambdas/run-lease/run-leases';
import { createS3Client } from '../../lambdas/shared/s3-client';
import { startLocalS3 } from '../../local/local-s3';
import { CapturedLogger } from '../support/environment';

const csv = (file: string) =>
  parse(readFileSync(join(fixtureDirectory, 'fakestore', file)), { columns: true }) as Array<
    Record<string, string>
  >;

async function query(summary: LocalRunSummary, sql: string): Promise<Record<string, unknown>[]> {
  const warehouse = await LocalWarehouse.open(summary.warehousePath);
  try {
    return await warehouse.rows(sql);
  } finally {
    warehouse.close();
  }
}

const rowsOf = (layer: Array<{ table: string; rows: number }>) =>
  Object.fromEntries(layer.map((entry) => [entry.table, entry.rows]));

/** CLEAN as a business would read it: every table, every row, without the columns that name the run. */
async function cleanContents(summary: LocalRunSummary): Promise<Record<string, string[]>> {
  const contents: Record<string, string[]> = {};
  for (const { table } of summary.layers.clean) {
    const rows = await query(
      summary,
      `select * exclude (_batch_id, _extracted_at, _source_key) from clean."${table}" order by all`,
    );
    contents[table] = rows.map((row) =>
      JSON.stringify(row, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)),
    );
  }
  return contents;
}

describe('npm start: the whole pipeline, locally', () => {
  const directories: string[] = [];
  const newDataDirectory = () => {
    const directory = mkdtempSync(join(tmpdir(), 'local-run-'));
    directories.push(directory);
    return directory;
  };
  const savedEnv = { ...process.env };
  afterAll(() => {
    process.env = savedEnv;
    for (const directory of directories) rmSync(directory, { recursive: true, force: true });
  });

  const run = (
    dataDirectory: string,
    batchId: string,
    options: { sources?: string[]; faults?: FaultRule[] } = {},
  ) =>
    runLocalPipeline({
      dataDirectory,
      logicalDate: '2026-11-20',
      batchId,
      sources: ['fakestore'],
      ...options,
    });

  /** A checks folder whose products check fails on the fixture's 20 products (`more` checks after it). */
  const productChecks = (dataDirectory: string, more = '') => {
    const checks = join(dataDirectory, 'checks');
    mkdirSync(checks);
    writeFileSync(
      join(checks, 'fakestore__products.yml'),
      `table: fakestore__products\nchecks:\n  - row_count: { min: 1000 }\n${more}`,
    );
    return checks;
  };

  describe('every built-in source, twice', () => {
    const dataDirectory = newDataDirectory();
    let first: LocalRunSummary;
    let second: LocalRunSummary;
    // Two whole runs of every source: ~25 s alone, more on a busy machine.
    beforeAll(async () => {
      first = await run(dataDirectory, 'local-1', { sources: undefined });
      second = await run(dataDirectory, 'local-2', { sources: undefined });
    }, 120_000);

    it('runs the synthesized state machine to the end and reconciles', () => {
      expect(first.status).toBe('SUCCEEDED');
      const { totals } = first.counts!;
      expect(totals.extracted).toBe(totals.valid + totals.rejected);
      expect(totals.extracted).toBe(
        first.extracts.filter((e) => e.done).reduce((sum, e) => sum + e.records, 0),
      );
      expect(first.notice).toMatchObject({ outcome: 'SUCCEEDED' });
      // The default checks pass on the fixture data, every one of them recorded.
      expect(first.quality?.verdict).toBe('pass');
      expect(first.quality!.results.length).toBeGreaterThan(40);
      expect(first.committed.map((cursor) => `${cursor.source}/${cursor.resource}`).sort()).toEqual([
        'events_oauth/events',
        'fakestore/carts',
        'gfn/footprint_by_year',
        'legacy_erp/order_lines',
      ]);
      // The SOAP source (a legacy ERP's order lines, XML) reaches CLEAN as every other source does.
      expect(first.layers.clean).toContainEqual({ table: 'legacy_erp__order_lines', rows: 14 });
      // Transitions as Step Functions bills them (docs/cost.md): every task run entered its state once,
      // and the Map, Choice and Pass states add more.
      const taskRuns = Object.values(first.taskMs).reduce((sum, times) => sum + times.length, 0);
      expect(first.transitions).toBeGreaterThan(taskRuns);
    });

    it('loads every layer with the fixture data: RAW as extracted, CLEAN one row per key', () => {
      const products = csv('products.csv');
      const users = csv('users.csv');
      const cartLines = csv('carts.csv');
      const carts = new Set(cartLines.map((line) => `${line.userid}|${line.date}`));
      const countries = JSON.parse(
        readFileSync(join(fixtureDirectory, 'gfn', 'countries.json'), 'utf8'),
      ) as unknown[];
      const expected = {
        fakestore__products: products.length,
        fakestore__users: users.length,
        fakestore__carts: carts.size,
        fakestore__carts__products: cartLines.length,
        gfn__countries: countries.length,
        events_apikey__events: 5000,
        events_oauth__events: 5000,
      };
      expect(rowsOf(first.layers.raw)).toMatchObject(expected);
      expect(rowsOf(first.layers.clean)).toMatchObject(expected);
      // Every valid record of the run reached RAW, child rows besides.
      const mainTables = first.layers.raw.filter((entry) => entry.table.split('__').length === 2);
      expect(mainTables.reduce((sum, entry) => sum + entry.rows, 0)).toBe(first.counts!.totals.valid);
    });

    it('adds no duplicate to CLEAN on the second, incremental run, while RAW keeps every load', () => {
      expect(second.status).toBe('SUCCEEDED');
      expect(rowsOf(second.layers.clean)).toEqual(rowsOf(first.layers.clean));
      expect(rowsOf(second.layers.raw).fakestore__products).toBe(
        2 * rowsOf(first.layers.raw).fakestore__products!,
      );
      // Incremental: the events already seen (less the lag) are not fetched again.
      const oauthEvents = second.extracts.filter((e) => e.source === 'events_oauth' && e.done)[0]!;
      expect(oauthEvents.records).toBeLessThan(5000);
    });

    it('computes revenue per category as the fixture files say', async () => {
      const products = new Map(csv('products.csv').map((product) => [product.id, product]));
      const expected = new Map<string, number>();
      for (const line of csv('carts.csv')) {
        const product = products.get(line.productid)!;
        expected.set(
          product.category!,
          (expected.get(product.category!) ?? 0) + Number(line.quantity) * Number(product.price),
        );
      }
      const figures = await query(
        second,
        'select category, revenue from analytics.fakestore_revenue_by_category',
      );
      expect(figures).toHaveLength(expected.size);
      for (const figure of figures) {
        expect(figure.revenue).toBeCloseTo(expected.get(figure.category as string)!, 2);
      }
    });

    it("builds the store's KPIs as the fixture files say: sales per day, product performance, customer activity", async () => {
      const products = new Map(csv('products.csv').map((product) => [product.id!, product]));
      const lines = csv('carts.csv').map((line) => ({
        quantity: line.quantity!,
        userid: line.userid!,
        date: line.date!,
        productid: line.productid!,
        value: Number(line.quantity) * Number(products.get(line.productid!)!.price),
      }));
      const add = (
        totals: Map<string, { units: number; revenue: number; carts: Set<string> }>,
        key: string,
        line: (typeof lines)[number],
      ) => {
        const entry = totals.get(key) ?? { units: 0, revenue: 0, carts: new Set<string>() };
        entry.units += Number(line.quantity);
        entry.revenue += line.value;
        entry.carts.add(`${line.userid}|${line.date}`); // a cart is a user's basket of one day
        totals.set(key, entry);
      };
      const byDay = new Map<string, { units: number; revenue: number; carts: Set<string> }>();
      const byProduct = new Map<string, { units: number; revenue: number; carts: Set<string> }>();
      const byUser = new Map<string, { units: number; revenue: number; carts: Set<string> }>();
      for (const line of lines) {
        add(byDay, line.date!.slice(0, 10), line);
        add(byProduct, line.productid!, line);
        add(byUser, line.userid!, line);
      }
      const figures = (entries: Map<string, { units: number; revenue: number; carts: Set<string> }>) =>
        [...entries]
          .map(([key, entry]) => [key, entry.carts.size, entry.units, Math.round(entry.revenue * 100) / 100])
          .sort();
      const asRows = (rows: Record<string, unknown>[], key: string) =>
        rows
          .map((row) => [
            String(row[key]).slice(0, 10),
            Number(row.carts),
            Number(row.units),
            Number(row.revenue),
          ])
          .sort();

      const sales = await query(
        second,
        'select sales_date::varchar as sales_date, carts, units, revenue from analytics.fakestore_sales_by_day',
      );
      expect(asRows(sales, 'sales_date')).toEqual(figures(byDay));
      const performance = await query(
        second,
        'select product_id, carts, units, revenue, revenue_rank from analytics.fakestore_product_performance',
      );
      // Every product, sold or not; unsold ones at zero.
      expect(performance).toHaveLength(products.size);
      const sold = performance.filter((row) => Number(row.units) > 0);
      expect(asRows(sold, 'product_id')).toEqual(figures(byProduct));
      const best = [...byProduct].sort((a, b) => b[1].revenue - a[1].revenue)[0]![0];
      expect(String(performance.find((row) => Number(row.revenue_rank) === 1)?.product_id)).toBe(best);
      const customers = await query(
        second,
        'select user_id, carts, units, revenue from analytics.fakestore_customer_activity',
      );
      expect(asRows(customers, 'user_id')).toEqual(figures(byUser));
      // The top category is the one with the most revenue.
      const categoryRevenue = new Map<string, number>();
      for (const line of lines) {
        const category = products.get(line.productid!)!.category!;
        categoryRevenue.set(category, (categoryRevenue.get(category) ?? 0) + line.value);
      }
      const [top] = await query(
        second,
        'select category from analytics.vw_top_categories where category_rank = 1',
      );
      expect(top?.category).toBe([...categoryRevenue].sort((a, b) => b[1] - a[1])[0]![0]);
    });

    it('builds the event summaries as the fixture API generates its events', async () => {
      // Both event APIs serve the same 5,000 generated events; CLEAN holds each API's once.
      const events = eventsBetween(0, 5000);
      const count = (type: string) => events.filter((event) => event.type === type).length;
      const [summary] = await query(
        second,
        'select event_date::varchar as day, events, active_users, signups, page_views, add_to_carts, checkouts, purchases, refunds from analytics.anl_daily_summary',
      );
      expect(
        Object.fromEntries(
          Object.entries(summary!).map(([key, value]) => [key, key === 'day' ? value : Number(value)]),
        ),
      ).toEqual({
        day: '2026-01-01',
        events: 2 * events.length,
        active_users: new Set(events.map((event) => event.user_id)).size,
        signups: 2 * count('signup'),
        page_views: 2 * count('page_view'),
        add_to_carts: 2 * count('add_to_cart'),
        checkouts: 2 * count('checkout'),
        purchases: 2 * count('purchase'),
        refunds: 2 * count('refund'),
      });
      const daily = await query(
        second,
        "select event_type, events, users from analytics.vw_daily_event_counts where source = 'events_apikey' and event_date = '2026-01-01'",
      );
      expect(Object.fromEntries(daily.map((row) => [row.event_type, Number(row.events)]))).toEqual(
        Object.fromEntries(
          ['page_view', 'add_to_cart', 'checkout', 'purchase', 'refund', 'signup'].map((type) => [
            type,
            count(type),
          ]),
        ),
      );
    });

    it("counts each table's published records per day over both runs, and says how fresh each table is", async () => {
      // What validate wrote per table in each run: the rows each run published.
      const written = new Map<string, number>();
      for (const validation of [...first.validations, ...second.validations])
        for (const [table, { rows }] of Object.entries(validation.tables))
          written.set(
            `${validation.source}__${table}`,
            (written.get(`${validation.source}__${table}`) ?? 0) + rows,
          );
      const counts = await query(
        second,
        'select table_name, records, batches from analytics.daily_record_counts',
      );
      expect(Object.fromEntries(counts.map((row) => [row.table_name, Number(row.records)]))).toEqual(
        Object.fromEntries([...written].filter(([, rows]) => rows > 0)),
      );
      const freshness = await query(
        second,
        'select table_name, freshness_status, stale_after_hours, event_age_minutes from analytics.vw_data_freshness',
      );
      expect(freshness).toHaveLength(written.size);
      for (const row of freshness) {
        expect(row).toMatchObject({ freshness_status: 'FRESH' });
        expect(Number(row.event_age_minutes)).toBeLessThan(10);
        // The design's 6 hours for the event APIs (their freshness checks), a day and two hours for the rest.
        expect(Number(row.stale_after_hours)).toBe(String(row.table_name).startsWith('events_') ? 6 : 26);
      }
    });

    it('builds every ANALYTICS object from a file in sql/: a model, or a migration Snowflake applies too', () => {
      const sql = join(__dirname, '..', '..', 'sql');
      const models = readdirSync(join(sql, 'models', 'analytics')).map((file) => file.replace(/\.sql$/, ''));
      const migrated = readdirSync(join(sql, 'migrations')).flatMap((file) =>
        [
          ...readFileSync(join(sql, 'migrations', file), 'utf8').matchAll(
            /create table if not exists analytics\.(\w+)/g,
          ),
        ].map((match) => match[1]!),
      );
      const built = second.layers.analytics.map((entry) => entry.table);
      expect(built.filter((table) => !models.includes(table) && !migrated.includes(table))).toEqual([]);
      // And every model was built (all the sources ran).
      expect(models.filter((model) => !built.includes(model))).toEqual([]);
    });

    it('records each run in analytics.pipeline_runs', async () => {
      // Numbers, not BigInts: a failed comparison must be printable by jest's workers.
      const runs = (
        await query(
          second,
          'select batch_id, status, extracted, valid, rejected from analytics.pipeline_runs order by batch_id',
        )
      ).map((run) => ({
        ...run,
        extracted: Number(run.extracted),
        valid: Number(run.valid),
        rejected: Number(run.rejected),
      }));
      expect(runs).toEqual([
        {
          batch_id: 'local-1',
          status: 'SUCCEEDED',
          extracted: first.counts!.totals.extracted,
          valid: first.counts!.totals.valid,
          rejected: 0,
        },
        {
          batch_id: 'local-2',
          status: 'SUCCEEDED',
          extracted: second.counts!.totals.extracted,
          valid: second.counts!.totals.valid,
          rejected: 0,
        },
      ]);
    });
  });

  it('ends with the same CLEAN contents when the API misbehaves in ways the pipeline survives', async () => {
    const clean = await run(newDataDirectory(), 'calm');
    const faults: FaultRule[] = [
      { kind: '429', times: 2 },
      { kind: '503', times: 1, path: '/fakestore/users' },
      { kind: 'truncate', times: 1, path: '/fakestore/carts' },
    ];
    const stormy = await run(newDataDirectory(), 'stormy', { faults });
    expect(stormy.status).toBe('SUCCEEDED');
    expect(stormy.extracts.reduce((sum, e) => sum + e.retries, 0)).toBeGreaterThanOrEqual(4);
    expect(await cleanContents(stormy)).toEqual(await cleanContents(clean));
  });

  it('fails the run at the quality gate when a check of severity fail fails, listing it, state unadvanced', async () => {
    const dataDirectory = newDataDirectory();
    const checks = productChecks(dataDirectory, '  - duplicate_count: { columns: [id] }\n');
    const gated = await runLocalPipeline({
      dataDirectory,
      logicalDate: '2026-11-20',
      batchId: 'gated',
      sources: ['fakestore'],
      checksDirectory: checks,
    });
    expect(gated.status).toBe('FAILED');
    expect(gated.error).toMatchObject({
      name: 'QualityGateError',
      cause: expect.stringContaining('fakestore__products: row_count() = 20 (expected >= 1000)'),
    });
    expect(gated.quality?.results.map((result) => result.status)).toEqual(['fail', 'pass']);
    expect(gated.notice).toMatchObject({ outcome: 'FAILED' });
    expect(gated.notice!.message).toContain('Check data quality failed. QualityGateError');
    expect(gated.committed).toEqual([]);
    // Its row says where it failed and why, as the record step writes it in Snowflake.
    expect(
      await query(
        gated,
        "select status, failed_step, error from analytics.pipeline_runs where batch_id = 'gated'",
      ),
    ).toEqual([
      {
        status: 'FAILED',
        failed_step: 'Check data quality',
        error: expect.stringMatching(
          /^QualityGateError: 1 data-quality check\(s\) failed: fakestore__products: row_count\(\)/,
        ),
      },
    ]);
    // The batch is in RAW, but was never published: CLEAN is empty, nothing was built from it. The
    // results are kept.
    expect(rowsOf(gated.layers.raw).fakestore__products).toBe(20);
    expect(rowsOf(gated.layers.clean).fakestore__products).toBe(0);
    expect(rowsOf(gated.layers.analytics).fakestore_revenue_by_category).toBeUndefined();
    expect(rowsOf(gated.layers.analytics).dq_check_results).toBe(2);
  });

  it('write, audit, publish: a run that fails its gate leaves CLEAN and ANALYTICS exactly as they were', async () => {
    const dataDirectory = newDataDirectory();
    const checks = productChecks(dataDirectory);
    const good = await run(dataDirectory, 'good');
    expect(good.status).toBe('SUCCEEDED');
    // Every row of every CLEAN and ANALYTICS table, lineage included (a published batch changes
    // `_batch_id` and `_extracted_at` on every row it merges), but the run log and check results.
    // Views are left out: they are those tables read again, one of them against the clock.
    const published = async (summary: LocalRunSummary) => {
      const warehouse = await LocalWarehouse.open(summary.warehousePath);
      try {
        const contents: Record<string, string> = {};
        const tables = await warehouse.rows(
          "select table_schema, table_name from information_schema.tables where table_schema in ('clean', 'analytics') and table_type = 'BASE TABLE'",
        );
        for (const { table_schema: schema, table_name: table } of tables as Array<Record<string, string>>) {
          if (['pipeline_runs', 'dq_check_results'].includes(table!)) continue;
          const rows = await warehouse.rows(`select * from ${schema}.${table} order by all`);
          contents[`${schema}.${table}`] = JSON.stringify(rows, (_key, value: unknown) =>
            typeof value === 'bigint' ? String(value) : value,
          );
        }
        return contents;
      } finally {
        warehouse.close();
      }
    };
    const before = await published(good);
    expect(Object.keys(before)).toEqual(
      expect.arrayContaining([
        'clean.fakestore__products',
        'analytics.fakestore_revenue_by_category',
        'analytics.table_loads',
      ]),
    );
    const held = await runLocalPipeline({
      dataDirectory,
      logicalDate: '2026-11-21',
      batchId: 'held',
      sources: ['fakestore'],
      checksDirectory: checks,
    });
    expect(held.status).toBe('FAILED');
    expect(held.error?.name).toBe('QualityGateError');
    expect(await published(held)).toEqual(before);
    // Its rows are in RAW, where the next good run's batch joins them; that one is published.
    expect(rowsOf(held.layers.raw).fakestore__products).toBe(40);
    const next = await run(dataDirectory, 'next');
    expect(next.status).toBe('SUCCEEDED');
    expect(await query(next, 'select distinct _batch_id from clean.fakestore__products')).toEqual([
      { _batch_id: 'next' },
    ]);
  });

  it('fails a run it cannot survive: failure notice, dead-letter message, state unadvanced; a re-run completes', async () => {
    const dataDirectory = newDataDirectory();
    const before = await run(dataDirectory, 'day-1');
    expect(before.committed).toEqual([
      { source: 'fakestore', resource: 'carts', cursor: '2020-03-02T00:00:00.000Z' },
    ]);

    // The event API hands back a cursor it already gave: no retry can help, so the run fails at once,
    // though the fakestore resources of the same run succeeded.
    const sources = ['fakestore', 'events_oauth'];
    const broken = await run(dataDirectory, 'day-2', {
      sources,
      faults: [{ kind: 'repeat_cursor', path: '/events-oauth/v1/events', after: 1, times: Infinity }],
    });
    expect(broken.status).toBe('FAILED');
    expect(broken.error).toMatchObject({
      name: 'PaginationError',
      cause: expect.stringContaining('events_oauth/events'),
    });
    expect(broken.notice).toMatchObject({ outcome: 'FAILED' });
    expect(broken.notice!.message).toContain('re-running the day is safe');
    expect(broken.failedStep).toBe('Extract resources');
    expect(broken.committed).toEqual([]);
    const message = JSON.parse(readFileSync(broken.deadLetterFile!, 'utf8'));
    expect(message).toMatchObject({
      input: { logicalDate: '2026-11-20', sources },
      error: { Error: 'PaginationError' },
    });

    const rerun = await run(dataDirectory, 'day-2-again', { sources });
    expect(rerun.status).toBe('SUCCEEDED');
    // State was not advanced by the failed run: carts start again from day 1's cursor (less a day of
    // lag), the event API from the beginning.
    expect(rerun.extracts.find((e) => e.resource === 'carts' && e.done)!.startCursor).toBe(
      '2020-03-01T00:00:00.000Z',
    );
    // The event API starts from its configured initial value, as on its very first run.
    expect(rerun.extracts.find((e) => e.source === 'events_oauth' && e.done)!.startCursor).toBe(
      (loadSources().get('events_oauth')!.resources[0]!.incremental as { initialValue: string }).initialValue,
    );
    expect(rowsOf(rerun.layers.clean)).toMatchObject({ fakestore__carts: 7, events_oauth__events: 5000 });
  });

  /** A FakeStore run with what it prints. */
  const runPrinting = async (dataDirectory: string, batchId: string) => {
    const lines: string[] = [];
    const summary = await runLocalPipeline({
      dataDirectory,
      logicalDate: '2026-11-20',
      batchId,
      sources: ['fakestore'],
      print: (line) => lines.push(line),
    });
    return { summary, lines };
  };

  it('releases the lease an interrupted run left behind, so the next run is not blocked for hours', async () => {
    const dataDirectory = newDataDirectory();
    // What Ctrl-C in the middle of a run leaves: a lease in the data directory's raw bucket.
    const s3 = await startLocalS3({ directory: join(dataDirectory, 's3'), buckets: ['raw'] });
    const client = createS3Client({ AWS_ENDPOINT_URL_S3: s3.endpoint });
    await new RunLeases(client, 'raw', new CapturedLogger()).acquire(
      { batchId: 'interrupted' },
      [{ source: 'fakestore', resource: 'products' }],
      3_600_000,
    );
    client.destroy();
    await s3.stop();

    const { summary: next, lines } = await runPrinting(dataDirectory, 'after-interrupt');
    expect(next.status).toBe('SUCCEEDED');
    expect(lines).toContain(
      'A previous run was interrupted: its lease locks/fakestore/products.json is released',
    );
  });

  it("never lets the stream's files break a batch run: a file that cannot load is reported, the rest load", async () => {
    const dataDirectory = newDataDirectory();
    // What npm run serve leaves in the data directory: Firehose files of the stream, one of them bad.
    const s3 = await startLocalS3({ directory: join(dataDirectory, 's3'), buckets: ['transformed'] });
    const client = createS3Client({ AWS_ENDPOINT_URL_S3: s3.endpoint });
    const line = (id: string, amount: unknown) =>
      JSON.stringify({
        id,
        type: 'purchase',
        amount,
        occurred_at: '2026-11-20T06:00:00Z',
        updated_at: '2026-11-20T06:00:00Z',
        _batch_id: 'req-1',
        _extracted_at: '2026-11-20T06:00:01Z',
        _source_key: 'api:POST /events',
        _record_hash: id,
      });
    const bad = 'stream/events/dt=2026-11-20/events-1.jsonl.gz';
    await client.send(
      new PutObjectCommand({ Bucket: 'transformed', Key: bad, Body: gzipSync(`${line('s1', 'NaN-ish')}\n`) }),
    );
    await client.send(
      new PutObjectCommand({
        Bucket: 'transformed',
        Key: 'stream/events/dt=2026-11-20/events-2.jsonl.gz',
        Body: gzipSync(`${line('s2', 4.5)}\n`),
      }),
    );
    client.destroy();
    await s3.stop();

    const { summary: next, lines } = await runPrinting(dataDirectory, 'beside-the-stream');
    expect(next.status).toBe('SUCCEEDED');
    expect(next.loadFailures).toEqual([{ key: bad, error: expect.stringContaining('NaN-ish') }]);
    expect(lines).toContainEqual(expect.stringContaining(`could not load ${bad} into raw.stream__events`));
    expect(rowsOf(next.layers.clean)).toMatchObject({ stream__events: 1, fakestore__carts: 7 });
    expect(next.layers.analytics.map((entry) => entry.table)).toContain('daily_record_counts');
  });

  describe('the scenarios of issue 15: a GFN-shaped API that cuts bodies short', () => {
    const gfnRun = (dataDirectory: string, batchId: string, resources: string[], faults: FaultRule[] = []) =>
      runLocalPipeline({
        dataDirectory,
        logicalDate: '2026-11-20',
        batchId,
        sources: ['gfn'],
        resources,
        faults,
      });

    it('a year whose body always ends early fails the run, keeps the cursor, and a calm re-run fills the year', async () => {
      const dataDirectory = newDataDirectory();
      const cut = await gfnRun(
        dataDirectory,
        'gfn-cut',
        ['footprint_by_year'],
        [{ kind: 'cut_short', path: '/gfn/v1/data/all/2007', times: Infinity }],
      );
      expect(cut.status).toBe('FAILED');
      expect(cut.error).toMatchObject({
        name: 'ResponseFormatError',
        cause: expect.stringMatching(
          /gfn\/footprint_by_year.*\/data\/all\/2007.*page 1 of year-2007 is not valid JSON/,
        ),
      });
      expect(cut.committed).toEqual([]);

      const calm = await gfnRun(dataDirectory, 'gfn-calm', ['footprint_by_year']);
      expect(calm.status).toBe('SUCCEEDED');
      // The re-run starts where the last successful run left off (none: from the initial value).
      expect(calm.extracts.find((e) => e.done)!.startCursor).toBe(1990);
      const years = await query(
        calm,
        'select count(distinct year) as years from clean.gfn__footprint_by_year where year = 2007',
      );
      expect(Number(years[0]!.years)).toBe(1);
      expect(calm.committed).toEqual([{ source: 'gfn', resource: 'footprint_by_year', cursor: 2018 }]);
    }, 120_000);

    it('a run whose every response is cut short fails loudly instead of succeeding with 0 records', async () => {
      const cut = await gfnRun(
        newDataDirectory(),
        'gfn-all-cut',
        ['countries', 'country_footprint'],
        [{ kind: 'cut_short', times: Infinity }],
      );
      expect(cut.status).toBe('FAILED');
      expect(cut.error!.name).toBe('ResponseFormatError');
      expect(cut.notice).toMatchObject({ outcome: 'FAILED' });
      expect(cut.layers.clean.every((entry) => entry.rows === 0)).toBe(true);
    });
  });
});
