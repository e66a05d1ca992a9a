import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalRunSummary, runLocalPipeline } from '../../local/local-run';
import { LocalWarehouse } from '../../local/warehouse/warehouse';

describe('schema evolution on the real local pipeline: a field the API starts sending', () => {
  const dataDirectory = mkdtempSync(join(tmpdir(), 'evolution-'));
  afterAll(() => rmSync(dataDirectory, { recursive: true, force: true }));
  const run = (batchId: string, eventCount: number, extraEventFields: Record<string, unknown> = {}) =>
    runLocalPipeline({
      dataDirectory,
      batchId,
      logicalDate: '2026-11-20',
      sources: ['events_oauth'],
      fixture: { eventCount, extraEventFields },
    });
  const query = async (summary: LocalRunSummary, sql: string) => {
    const warehouse = await LocalWarehouse.open(summary.warehousePath);
    try {
      return await warehouse.rows(sql);
    } finally {
      warehouse.close();
    }
  };

  it('reaches RAW and CLEAN on the run it appears, and a later value of another type is refused by name', async () => {
    const first = await run('before', 1000);
    expect(first.status).toBe('SUCCEEDED');
    const columnsOf = (summary: LocalRunSummary, schema: string) =>
      query(
        summary,
        `select column_name from information_schema.columns where table_schema = '${schema}' and table_name = 'events_oauth__events' and column_name = 'coupon'`,
      );
    expect(await columnsOf(first, 'clean')).toEqual([]);

    // 300 more events, and the last 300 of the first run again (the source's 5 minutes of lag).
    const second = await run('after', 1300, { coupon: 'WINTER26' });
    expect(second.status).toBe('SUCCEEDED');
    expect(await columnsOf(second, 'raw')).toHaveLength(1);
    expect(await columnsOf(second, 'clean')).toHaveLength(1);
    const coupons = await query(
      second,
      'select coupon, count(*)::integer as events from clean.events_oauth__events group by coupon order by coupon nulls first',
    );
    // The lag re-reads from exactly 300 s before the cursor, that event included.
    expect(coupons).toEqual([
      { coupon: null, events: 699 },
      { coupon: 'WINTER26', events: 601 },
    ]);

    // The column is text now: a number in it is a reject naming the field, not a silent cast.
    const third = await run('retyped', 1400, { coupon: 26 });
    expect(third.counts!.totals.rejected).toBeGreaterThan(0);
    const [rejectKey] = third.validations.flatMap((result) => result.rejectKeys);
    // s3rver keeps each object's bytes beside its key, in `<key>._S3rver_object`.
    const rejects = gunzipSync(
      readFileSync(join(third.s3Directory, 'failed', `${rejectKey!}._S3rver_object`)),
    )
      .toString('utf8')
      .trim()
      .split('\n')
      .map(
        (line) => JSON.parse(line) as { reasons: Array<{ field: string; rule: string; expected: string }> },
      );
    expect(rejects[0]!.reasons).toEqual([
      expect.objectContaining({ field: 'coupon', rule: 'type', expected: 'string' }),
    ]);
    const rejected = await query(
      third,
      "select count(*)::integer as n from clean.events_oauth__events where coupon = '26'",
    );
    expect(rejected).toEqual([{ n: 0 }]);
  }, 120_000);
});
