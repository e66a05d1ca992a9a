import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { LocalRunSummary, runLocalPipeline } from '../../local/local-run';
import { FaultKind, faultKinds, FaultRule } from '../../local/fixture-api/faults';
import { NON_RETRYABLE_ERRORS } from '../../lambdas/shared/errors';

/**
 * The product's first promise, tried by chance: for any schedule of API faults over the built-in
 * sources, a run either puts every served record into CLEAN exactly once, or fails loudly (a typed
 * error, a dead-letter message) with no cursor moved and no lease kept, and a calm re-run of the same
 * day then completes. `npm test` tries 10 schedules on a reduced fixture and the small resources;
 * PIPELINE_FAULT_RUNS=300 tries more, footprint_by_year (the incremental GFN resource) included.
 */
const RUNS = Number(process.env.PIPELINE_FAULT_RUNS ?? 10);
const THOROUGH = process.env.PIPELINE_FAULT_RUNS !== undefined;

const resources = ['years', 'types', 'countries', 'products', 'users', 'carts', 'events'];
if (THOROUGH) resources.push('footprint_by_year');

const faultPaths = [
  '/',
  '/gfn/v1/',
  '/gfn/v1/countries',
  '/gfn/v1/data',
  '/fakestore/',
  '/events-apikey/',
  '/events-oauth/v1/events',
  '/events-oauth/oauth/token',
];

const faultRule: fc.Arbitrary<FaultRule> = fc.record({
  kind: fc.constantFrom<FaultKind>(...faultKinds),
  path: fc.constantFrom(...faultPaths),
  after: fc.integer({ min: 0, max: 8 }),
  times: fc.oneof({ weight: 5, arbitrary: fc.integer({ min: 1, max: 3 }) }, fc.constant(Infinity)),
  retryAfterSeconds: fc.constant(0),
  delayMs: fc.constant(30),
});

/** Typed failures a run may end with: each names what happened and what to do. */
const loudFailures = new Set<string>([
  ...NON_RETRYABLE_ERRORS,
  'TransportError',
  'HttpStatusError',
  'RateLimitError',
]);

const rowsOf = (summary: LocalRunSummary) =>
  Object.fromEntries(summary.layers.clean.map((entry) => [entry.table, entry.rows]));

/** Objects s3rver holds under a bucket prefix (its files, on disk). */
function objectsUnder(directory: string): string[] {
  if (!existsSync(directory)) return [];
  return readdirSync(directory, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('._S3rver_object'))
    .map((entry) => join(entry.parentPath, entry.name));
}

describe('the whole local pipeline under seeded fault schedules', () => {
  const directories: string[] = [];
  const savedEnv = { ...process.env };
  let calm: Record<string, number>;
  let runNumber = 0;

  const run = (dataDirectory: string, faults: FaultRule[] = []) =>
    runLocalPipeline({
      dataDirectory,
      logicalDate: '2026-12-04',
      batchId: `faults-${(runNumber += 1)}`,
      sources: ['gfn', 'fakestore', 'events_apikey', 'events_oauth'],
      resources,
      faults,
      fixture: { eventCount: 300, maxPageSize: 100 },
    });
  const newDirectory = () => {
    const directory = mkdtempSync(join(tmpdir(), 'fault-schedule-'));
    directories.push(directory);
    return directory;
  };

  beforeAll(async () => {
    const reference = await run(newDirectory());
    expect(reference.status).toBe('SUCCEEDED');
    calm = rowsOf(reference);
  }, 120_000);
  afterAll(() => {
    process.env = savedEnv;
    for (const directory of directories) rmSync(directory, { recursive: true, force: true });
  });

  it(
    'either loads every served record exactly once, or fails loudly with state unadvanced and a calm re-run completes',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(faultRule, { minLength: 1, maxLength: 4 }), async (faults) => {
          const directory = newDirectory();
          const faulty = await run(directory, faults);
          if (faulty.status === 'SUCCEEDED') {
            expect(rowsOf(faulty)).toEqual(calm);
            expect(faulty.counts!.totals.rejected).toBe(0);
          } else {
            // Loud: a typed error with its next step, a failure notice, a dead-letter message.
            expect(loudFailures).toContain(faulty.error!.name);
            expect(faulty.error!.cause).toMatch(/Next step: /);
            expect(faulty.notice).toMatchObject({ outcome: 'FAILED' });
            expect(faulty.deadLetterFile).toBeDefined();
            // State unadvanced: no cursor committed, none written.
            expect(faulty.committed).toEqual([]);
            expect(objectsUnder(join(faulty.s3Directory, 'raw', 'state'))).toEqual([]);
            const again = await run(directory);
            expect(again.status).toBe('SUCCEEDED');
            expect(rowsOf(again)).toEqual(calm);
          }
          // Whatever happened, no lease outlives its run.
          expect(objectsUnder(join(faulty.s3Directory, 'raw', 'locks'))).toEqual([]);
        }),
        { numRuns: RUNS },
      );
    },
    RUNS * 60_000,
  );
});
