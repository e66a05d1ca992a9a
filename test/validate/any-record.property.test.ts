import fc from 'fast-check';
import type { Contract } from '../../lambdas/contracts/contract';
import { validateResource } from '../../lambdas/validate/validate-resource';
import { startTestEnvironment, TestEnvironment } from '../support/environment';
import { readRejectLines, testContract, validateDepsFor } from '../support/validate-deps';
import { landRawPages } from '../support/raw-pages';
import { localParquetFiles, queryRows } from '../support/duckdb';
import { anyJsonText, fieldName, numberLiteral, stringLiteral } from '../support/arbitrary-json';

/** Runs per mode; PROPERTY_RUNS=500 npm test -- any-record tries far more. */
const RUNS = Number(process.env.PROPERTY_RUNS ?? 25);

/**
 * A record that aims at the contract (an `id`, a unique `name`, a `price`) with any values and any
 * extra fields, or anything at all: the contract must take or refuse each one, never fail the run.
 */
const recordText = (index: number) =>
  fc.oneof(
    fc
      .record({
        id: fc.oneof(numberLiteral, stringLiteral, fc.constant('null')),
        price: fc.oneof(numberLiteral, fc.constant('null'), stringLiteral),
        // Extra fields, never a second id, name or price (a repeated key's last value wins in JSON).
        extra: fc.array(
          fc.tuple(
            fieldName.filter((key) => !['id', 'name', 'price'].includes(key)),
            anyJsonText,
          ),
          { maxLength: 2 },
        ),
      })
      .map(({ id, price, extra }) => {
        const fields = [`"id":${id}`, `"name":"r${index}"`, `"price":${price}`];
        for (const [key, value] of extra) fields.push(`${JSON.stringify(key)}:${value}`);
        return { text: `{${fields.join(',')}}`, id, price };
      }),
    anyJsonText.map((text) => ({ text, id: undefined, price: undefined })),
  );

/** The integer a literal the contract accepted as `integer` stands for (`1.0` and `1E2` included). */
const integerOf = (literal: string) => (/^-?\d+$/.test(literal) ? BigInt(literal) : BigInt(Number(literal)));

const page = fc
  .integer({ min: 1, max: 12 })
  .chain((count) => fc.tuple(...Array.from({ length: count }, (_, index) => recordText(index))));

describe('validate: any record leaves as exactly one row or one reject', () => {
  let env: TestEnvironment;
  const contracts = new Map<string, Contract>();
  beforeAll(async () => (env = await startTestEnvironment()));
  afterAll(async () => env.close());

  let runNumber = 0;
  it.each(['freeze', 'evolve', 'discard_row', 'discard_value', 'keep_extra'] as const)(
    'in %s mode, on both paths, whatever the records',
    async (mode) => {
      await fc.assert(
        fc.asyncProperty(page, fc.boolean(), async (records, fastPath) => {
          runNumber += 1;
          // A fresh resource per run: evolve's registry must not carry columns from one run to the next.
          const resource = `any_${mode}_${runNumber}`;
          contracts.set(
            `test/${resource}`,
            testContract(
              resource,
              mode,
              { id: { type: 'integer' }, name: { type: 'string' }, price: { type: ['number', 'null'] } },
              ['id', 'name'],
            ),
          );
          const batch = { source: 'test', resource, logicalDate: '2026-12-04', batchId: `any-${runNumber}` };
          await landRawPages(env.s3, batch, [`[${records.map((record) => record.text).join(',')}]`]);
          const result = await validateResource({ ...validateDepsFor(env, contracts), fastPath }, batch);

          // Counts reconcile.
          expect(result.inputRecords).toBe(records.length);
          expect(result.validRecords + result.rejectedRecords).toBe(records.length);
          expect(result.quarantinedPages).toBe(0);

          // Every reject is one record, once, with a reason.
          const rejects = result.rejectKeys.length
            ? await readRejectLines(env.s3, result.rejectKeys[0]!)
            : [];
          expect(rejects).toHaveLength(result.rejectedRecords);
          expect(new Set(rejects.map((reject) => reject.index)).size).toBe(rejects.length);
          for (const reject of rejects) expect(reject.reasons.length).toBeGreaterThan(0);
          // A reject is the record as sent: no mode's removal of a field reaches the failed layer.
          for (const reject of rejects) {
            const sent = records[reject.index!]!;
            if (sent.id !== undefined)
              expect(Object.keys(reject.record as object).sort()).toEqual(
                Object.keys(JSON.parse(sent.text) as object).sort(),
              );
          }

          // Every row is one record, once, with its integers exact and its numbers unrounded.
          const files = await localParquetFiles(env.s3, 'transformed', result.tables[resource]?.keys ?? []);
          const rows = files.length
            ? await queryRows(
                `select cast(id as varchar) as id, price, name from read_parquet([${files.map((file) => `'${file}'`).join(', ')}], union_by_name = true)`,
              )
            : [];
          expect(rows).toHaveLength(result.validRecords);
          const rejected = new Set(rejects.map((reject) => reject.index));
          for (const [index, record] of records.entries()) {
            if (rejected.has(index) || record.id === undefined) continue;
            const row = rows.find((candidate) => candidate.name === `r${index}`);
            expect(row).toBeDefined();
            expect(row!.id).toBe(integerOf(record.id).toString());
            if (record.price !== 'null') {
              // Numeric equality: a `-0` may come back as 0, the same number.
              expect(row!.price === Number(record.price)).toBe(true);
              // A price accepted as a DOUBLE is one the double holds: no integer literal was rounded.
              if (/^-?\d+$/.test(record.price!))
                expect(BigInt(record.price!)).toBe(BigInt(Number(record.price)));
            }
          }
        }),
        { numRuns: RUNS },
      );
    },
    120_000,
  );
});
