import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runLocalPipeline } from '../../local/local-run';
import { LocalWarehouse } from '../../local/warehouse/warehouse';

describe('npm start -- --from D1 --to D2: a backfill on the real local pipeline', () => {
  const dataDirectory = mkdtempSync(join(tmpdir(), 'backfill-'));
  afterAll(() => rmSync(dataDirectory, { recursive: true, force: true }));
  const run = (batchId: string, logicalDate: string, backfill: boolean) =>
    runLocalPipeline({ dataDirectory, batchId, logicalDate, sources: ['fakestore'], backfill });

  it("fetches each past day's own carts, in order, and leaves the daily cursor where it was", async () => {
    const daily = await run('daily', '2026-11-20', false);
    expect(daily.committed).toEqual([
      { source: 'fakestore', resource: 'carts', cursor: '2020-03-02T00:00:00.000Z' },
    ]);

    const days = ['2020-01-01', '2020-01-02'];
    const backfilled = [];
    for (const day of days) backfilled.push(await run(`backfill-${day}`, day, true));
    for (const [index, day] of days.entries()) {
      const summary = backfilled[index]!;
      expect(summary.status).toBe('SUCCEEDED');
      // Only the resource that can fetch a past day; from the day's start, not from the cursor.
      expect(summary.extracts.map((extract) => [extract.resource, extract.startCursor])).toEqual([
        ['carts', `${day}T00:00:00.000Z`],
      ]);
      expect(summary.committed).toEqual([]);
    }
    // The fixture's carts of 2020-01-01 and 2020-01-02: cart 4 and cart 2, landed under their own day.
    expect(backfilled.map((summary) => summary.extracts[0]!.records)).toEqual([1, 1]);
    const rawDays = readdirSync(join(dataDirectory, 's3', 'raw', 'fakestore', 'carts')).filter((name) =>
      name.startsWith('dt='),
    );
    expect(rawDays).toEqual(expect.arrayContaining(['dt=2020-01-01', 'dt=2020-01-02', 'dt=2026-11-20']));

    // The next daily run goes on from the daily cursor (less its day of lag), as if nothing happened.
    const next = await run('daily-2', '2026-11-21', false);
    expect(next.extracts.find((extract) => extract.resource === 'carts')!.startCursor).toBe(
      '2020-03-01T00:00:00.000Z',
    );
    const warehouse = await LocalWarehouse.open(next.warehousePath);
    try {
      const rows = await warehouse.rows(
        "select batch_id, status from analytics.pipeline_runs where batch_id like 'backfill-%' order by batch_id",
      );
      expect(rows).toEqual([
        { batch_id: 'backfill-2020-01-01', status: 'SUCCEEDED' },
        { batch_id: 'backfill-2020-01-02', status: 'SUCCEEDED' },
      ]);
    } finally {
      warehouse.close();
    }
  }, 120_000);
});
