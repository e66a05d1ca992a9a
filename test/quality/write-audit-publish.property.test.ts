import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { parseChecksFile } from '../../lambdas/quality/check-config';
import type { SqlExecutor } from '../../lambdas/warehouse/sql-executor';
import { CartVersion, RawCarts } from '../support/raw-carts';
import { warehouseEngines } from '../support/warehouse-engines';

/** A batch of cart versions, what its gate will say, and where (if anywhere) its transaction breaks. */
interface Batch {
  versions: Array<{ id: number; items: number }>;
  /** Its versions are older than every on-time batch's (a late delivery). */
  late: boolean;
  gatePasses: boolean;
  /** The nth statement inside its transaction fails (a lost connection, a lock timeout); 0: none. */
  faultAt: number;
}

const batches = fc.array(
  fc.record({
    versions: fc.uniqueArray(
      fc.record({ id: fc.integer({ min: 1, max: 4 }), items: fc.integer({ min: 0, max: 3 }) }),
      { selector: (version) => version.id, minLength: 1, maxLength: 4 },
    ),
    late: fc.boolean(),
    gatePasses: fc.boolean(),
    faultAt: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 8 })),
  }),
  { minLength: 1, maxLength: 6 },
);

const gate = (passes: boolean) =>
  parseChecksFile(
    `table: fakestore__carts\nchecks:\n  - row_count: { min: ${passes ? 0 : 1_000_000} }\n`,
    'gate.yml',
  );

/** Fails the nth statement after `begin transaction`, as a warehouse can. */
function breakingAt(nth: number) {
  return (executor: SqlExecutor): SqlExecutor => {
    let inside = -1;
    return {
      execute: async (sqlText, binds) => {
        if (sqlText === 'begin transaction') inside = 0;
        else if (inside >= 0 && !['commit', 'rollback'].includes(sqlText)) {
          inside += 1;
          if (nth > 0 && inside === nth) throw new Error('connection lost');
        }
        return executor.execute(sqlText, binds);
      },
    };
  };
}

describe.each(warehouseEngines())(
  'write, audit, publish, over arbitrary batches, gates and faults, in $name',
  (engine) => {
    const directory = mkdtempSync(join(tmpdir(), 'wap-'));
    beforeAll(() => engine.start(directory), 60_000);
    afterAll(async () => {
      await engine.stop();
      rmSync(directory, { recursive: true, force: true });
    });
    let runs = 0;

    it('CLEAN holds exactly the latest published version of each cart, with only its items; nothing else ever shows', async () => {
      await fc.assert(
        fc.asyncProperty(batches, async (schedule: Batch[]) => {
          const raw = await RawCarts.open(await engine.open(directory, `w_${(runs += 1)}`));
          try {
            const published: CartVersion[] = [];
            const publishedBatches: string[] = [];
            for (const [index, batch] of schedule.entries()) {
              const batchId = `b${index}`;
              const hour = String(10 + index).padStart(2, '0');
              const versions = batch.versions.map((version) => ({
                ...version,
                hash: `${batchId}-${version.id}`,
                batchId,
                extractedAt: `2026-11-${batch.late ? 19 : 20} ${hour}:00:00`,
              }));
              for (const version of versions) await raw.load(version);
              const before = await raw.clean();
              const outcome = await raw
                .publish(batchId, gate(batch.gatePasses), breakingAt(batch.faultAt))
                .catch((error: Error) => error);
              if (outcome instanceof Error) {
                // A broken transaction publishes nothing at all.
                expect(outcome.message).toBe('connection lost');
                expect(await raw.clean()).toEqual(before);
                continue;
              }
              expect(outcome.verdict).toBe(batch.gatePasses ? 'pass' : 'fail');
              if (!batch.gatePasses) {
                // Held back: CLEAN exactly as it was.
                expect(outcome.published).toEqual([]);
                expect(await raw.clean()).toEqual(before);
                continue;
              }
              published.push(...versions);
              publishedBatches.push(batchId);
            }
            // The model: per cart, the published version extracted last, and that version's items.
            const winners = new Map<number, CartVersion>();
            for (const version of published) {
              const current = winners.get(version.id);
              if (!current || version.extractedAt > current.extractedAt) winners.set(version.id, version);
            }
            const expected = [...winners.values()].sort((a, b) => a.id - b.id);
            expect(await raw.clean()).toEqual({
              carts: expected.map((version) => [String(version.id), version.hash]),
              items: expected.flatMap((version) =>
                Array.from({ length: version.items }, (_, position): [string, string, string] => [
                  String(version.id),
                  String(position),
                  version.hash,
                ]),
              ),
            });
            // ANALYTICS' record of what was published names exactly the published batches.
            const loads = await raw.warehouse.rows(
              "select distinct batch_id from analytics.table_loads where table_name = 'fakestore__carts' order by batch_id",
            );
            expect(loads.map((row) => row.batch_id)).toEqual(publishedBatches.sort());
          } finally {
            await raw.close();
          }
        }),
        { numRuns: 40 },
      );
    }, 120_000);
  },
);
