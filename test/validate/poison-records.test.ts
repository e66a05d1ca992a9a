import type { Contract, ContractMode } from '../../lambdas/contracts/contract';
import { validateResource } from '../../lambdas/validate/validate-resource';
import { MAX_RECORD_DEPTH } from '../../lambdas/contracts/record-limits';
import { startTestEnvironment, TestEnvironment } from '../support/environment';
import { readRejectLines, testContract, validateDepsFor } from '../support/validate-deps';
import { landRawPages } from '../support/raw-pages';
import { localParquetFiles, queryRows } from '../support/duckdb';

type Mode = ContractMode;

/**
 * One record never fails more than itself: each poison record below sits between good ones, and the
 * run must end with the good ones written and the poison one rejected with its reason, on the DuckDB
 * path and on the JavaScript path alike.
 */
describe.each([true, false])('validate: poison records (fast path %s)', (fastPath) => {
  let env: TestEnvironment;
  const contracts = new Map<string, Contract>();
  beforeAll(async () => (env = await startTestEnvironment()));
  afterAll(async () => env.close());

  let batchNumber = 0;
  async function run(mode: Mode, pageText: string) {
    const resource = `r_${mode}`;
    contracts.set(
      `test/${resource}`,
      testContract(
        resource,
        mode,
        {
          id: { type: 'integer' },
          name: { type: 'string', maxLength: 50 },
          price: { type: ['number', 'null'] },
        },
        ['id', 'name'],
      ),
    );
    batchNumber += 1;
    const batch = {
      source: 'test',
      resource,
      logicalDate: '2026-12-04',
      batchId: `p-${fastPath}-${batchNumber}`,
    };
    await landRawPages(env.s3, batch, [pageText]);
    const result = await validateResource({ ...validateDepsFor(env, contracts), fastPath }, batch);
    const rejects = result.rejectKeys.length ? await readRejectLines(env.s3, result.rejectKeys[0]!) : [];
    const files = await localParquetFiles(env.s3, 'transformed', result.tables[resource]?.keys ?? []);
    const rows = files.length
      ? await queryRows(
          `select * from read_parquet([${files.map((file) => `'${file}'`).join(', ')}], union_by_name = true) order by name`,
        )
      : [];
    return { result, rejects, rows };
  }

  const good = (name: string, id = 1) => ({ id, name, price: 9.5 });

  it('rejects an integer INT64 cannot hold as out_of_range and writes the others', async () => {
    const text = `[${JSON.stringify(good('a'))},{"id":9223372036854775808,"name":"b","price":1},${JSON.stringify(good('c', 3))}]`;
    const { result, rejects, rows } = await run('freeze', text);
    expect(result).toMatchObject({ inputRecords: 3, validRecords: 2, rejectedRecords: 1 });
    expect(rejects[0]).toMatchObject({ index: 1, reasons: [{ field: 'id', rule: 'out_of_range' }] });
    expect(rows.map((row) => row.name)).toEqual(['a', 'c']);
  });

  it('keeps an integer beyond 2^53 exactly in an INT64 column, never rounded', async () => {
    const text = `[{"id":9007199254740993,"name":"exact","price":null},{"id":-9223372036854775807,"name":"min","price":null}]`;
    const { result, rows } = await run('freeze', text);
    expect(result).toMatchObject({ validRecords: 2, rejectedRecords: 0 });
    expect(rows.map((row) => String(row.id))).toEqual(['9007199254740993', '-9223372036854775807']);
  });

  it('rejects an integer beyond 2^53 in a DOUBLE column instead of rounding it', async () => {
    const text = `[{"id":1,"name":"a","price":9007199254740993},${JSON.stringify(good('b', 2))}]`;
    const { result, rejects } = await run('freeze', text);
    expect(result).toMatchObject({ validRecords: 1, rejectedRecords: 1 });
    expect(rejects[0]!.reasons).toEqual([
      expect.objectContaining({ field: 'price', rule: 'out_of_range', actual: '9007199254740993' }),
    ]);
  });

  it.each(['freeze', 'evolve', 'discard_row', 'discard_value'] as const)(
    'rejects a 10,000-level nested undeclared field with depth_limit in %s mode',
    async (mode) => {
      const deep = `${'{"x":'.repeat(10_000)}1${'}'.repeat(10_000)}`;
      const text = `[${JSON.stringify(good('a'))},{"id":2,"name":"deep","extra":${deep}},${JSON.stringify(good('c', 3))}]`;
      const { result, rejects, rows } = await run(mode, text);
      expect(result).toMatchObject({ inputRecords: 3, validRecords: 2, rejectedRecords: 1 });
      expect(rejects[0]).toMatchObject({
        index: 1,
        reasons: [{ rule: 'depth_limit', field: 'extra.x.x.x.x' }],
      });
      // The reject file holds the record cut at the limit; the raw page keeps all of it.
      expect(JSON.stringify(rejects[0]!.record)).toContain(`deeper than ${MAX_RECORD_DEPTH} levels`);
      expect(rows.map((row) => row.name)).toEqual(['a', 'c']);
    },
  );

  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty'])(
    'freeze mode rejects an undeclared field named %s like any other',
    async (field) => {
      const text = `[{"id":1,"name":"a","price":1,${JSON.stringify(field)}:{"x":1}},${JSON.stringify(good('b', 2))}]`;
      const { result, rejects } = await run('freeze', text);
      expect(result).toMatchObject({ validRecords: 1, rejectedRecords: 1 });
      expect(rejects[0]!.reasons).toEqual([expect.objectContaining({ field, rule: 'unknown_field' })]);
    },
  );

  it('evolve mode keeps an undeclared field named constructor as a column of its own', async () => {
    const text = `[{"id":1,"name":"a","price":1,"constructor":"kept"}]`;
    const { result, rows } = await run('evolve', text);
    expect(result).toMatchObject({ validRecords: 1, rejectedRecords: 0 });
    expect(rows[0]).toMatchObject({ constructor: 'kept' });
  });

  it('rejects a string with a lone surrogate as invalid_unicode', async () => {
    const text = `[{"id":1,"name":"bad \\ud800 text","price":1},${JSON.stringify(good('b', 2))}]`;
    const { result, rejects } = await run('freeze', text);
    expect(result).toMatchObject({ validRecords: 1, rejectedRecords: 1 });
    expect(rejects[0]!.reasons).toEqual([
      expect.objectContaining({ field: 'name', rule: 'invalid_unicode' }),
    ]);
  });

  it('refuses a long integer it cannot read exactly on a page nested too deep for exact parsing', async () => {
    const deep = `${'['.repeat(5_000)}1${']'.repeat(5_000)}`;
    const text = `[{"id":9007199254740993,"name":"long","price":null},{"id":2,"name":"deep","price":${deep}},${JSON.stringify(good('c', 3))}]`;
    const { result, rejects, rows } = await run('freeze', text);
    expect(result).toMatchObject({ inputRecords: 3, validRecords: 1, rejectedRecords: 2 });
    expect(rejects.map((reject) => reject.reasons[0]!.rule)).toEqual(['out_of_range', 'depth_limit']);
    expect(rows.map((row) => row.name)).toEqual(['c']);
  });
});
