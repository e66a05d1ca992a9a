import { loadContracts, Contract, ContractMode } from '../../lambdas/contracts/contract';
import { validateResource, ValidateDeps } from '../../lambdas/validate/validate-resource';
import type { RejectLine } from '../../lambdas/validate/reject-sink';
import { readObjectBytes, readJson, startTestEnvironment, TestEnvironment } from '../support/environment';
import { readRejectLines, testContract, validateDepsFor } from '../support/validate-deps';
import { landRawPages } from '../support/raw-pages';
import { localParquetFiles, queryRows } from '../support/duckdb';

const product = (overrides: Record<string, unknown> = {}) => ({
  id: 1,
  title: 'Backpack',
  price: 109.95,
  description: 'Fits 15" laptops',
  category: "men's clothing",
  image: 'https://fakestoreapi.com/img/1.jpg',
  rating: { rate: 3.9, count: 120 },
  ...overrides,
});

describe('validate: quarantine with reasons', () => {
  let env: TestEnvironment;
  let contracts: Map<string, Contract>;
  let deps: ValidateDeps;
  beforeAll(async () => {
    env = await startTestEnvironment();
    contracts = loadContracts();
    deps = validateDepsFor(env, contracts);
  });
  afterAll(async () => env.close());

  const readRejects = (key: string): Promise<RejectLine[]> => readRejectLines(env.s3, key);

  /** Registers a contract for the resource `test/<resource>` (required `id`, the given properties). */
  const useTestContract = (resource: string, mode: ContractMode, properties: Record<string, unknown>) =>
    contracts.set(`test/${resource}`, testContract(resource, mode, properties));

  async function run(batchId: string, bodies: string[], resource = 'products', source = 'fakestore') {
    const batch = { source, resource, logicalDate: '2026-11-20', batchId };
    await landRawPages(env.s3, batch, bodies);
    const result = await validateResource(deps, batch);
    const rejects = result.rejectKeys.length ? await readRejects(result.rejectKeys[0]!) : [];
    return { result, rejects };
  }

  it('rejects each kind of bad record with the field, rule, expected and actual value', async () => {
    const huge = 'x'.repeat(50_000);
    const records = [
      product({ id: 1 }),
      product({ id: 2, price: '12.50' }),
      product({ id: 3, title: undefined }),
      product({ id: 4, image: 'not a url' }),
      product({ id: 5, price: -3 }),
      product({ id: 6, rating: { rate: 7, count: 1 } }),
      product({ id: 7, description: huge }),
      product({ id: 8, title: null }),
      product({ id: 9, title: 'Ünïcødé ✓ 雨傘' }),
      product({ id: 10, rating: { rate: 4, count: 2, nested: { deeper: { deepest: [1, 2, 3] } } } }),
    ];
    const { result, rejects } = await run('q-records', [JSON.stringify(records)]);

    expect(result).toMatchObject({
      inputRecords: 10,
      validRecords: 2,
      rejectedRecords: 8,
      quarantinedPages: 0,
    });
    const reasonsById = Object.fromEntries(
      rejects.map((line) => [(line.record as { id: number }).id, line.reasons]),
    );
    expect(reasonsById[2]).toEqual([{ field: 'price', rule: 'type', expected: 'number', actual: 'string' }]);
    expect(reasonsById[3]).toEqual([
      { field: 'title', rule: 'required', expected: 'present', actual: 'missing' },
    ]);
    expect(reasonsById[4]).toEqual([
      { field: 'image', rule: 'format', expected: 'uri', actual: 'not a url' },
    ]);
    expect(reasonsById[5]).toEqual([{ field: 'price', rule: 'range', expected: '>= 0', actual: -3 }]);
    expect(reasonsById[6]).toEqual([{ field: 'rating.rate', rule: 'range', expected: '<= 5', actual: 7 }]);
    expect(reasonsById[7]).toEqual([
      { field: 'description', rule: 'length', expected: '<= 10000 chars', actual: '50000 chars' },
    ]);
    expect(reasonsById[8]).toEqual([{ field: 'title', rule: 'type', expected: 'string', actual: 'null' }]);
    expect(reasonsById[10]).toEqual([
      {
        field: 'rating.nested',
        rule: 'unknown_field',
        expected: 'a field the contract names (mode freeze)',
        actual: { deeper: { deepest: [1, 2, 3] } },
      },
    ]);
    // The record is kept untouched, with where it came from.
    expect(rejects.find((line) => (line.record as { id: number }).id === 7)).toMatchObject({
      record: { description: huge },
      sourceKey: 'fakestore/products/dt=2026-11-20/batch=q-records/page-00001.json.gz',
      page: 1,
      index: 6,
    });
    // Unicode passes through to Parquet intact.
    const [file] = await localParquetFiles(env.s3, 'transformed', result.tables.products!.keys);
    expect(await queryRows(`select id, title from '${file}' order by id`)).toEqual([
      { id: 1n, title: 'Backpack' },
      { id: 9n, title: 'Ünïcødé ✓ 雨傘' },
    ]);
  });

  it('quarantines a page that is not JSON, or lacks its records, whole, and goes on with the others', async () => {
    const { result, rejects } = await run('q-pages', [
      '{"truncated": [1, 2',
      JSON.stringify([product()]),
      JSON.stringify({ data: [] }),
    ]);
    expect(result).toMatchObject({
      inputRecords: 1,
      validRecords: 1,
      rejectedRecords: 0,
      quarantinedPages: 2,
    });
    expect(rejects).toEqual([
      expect.objectContaining({
        record: '{"truncated": [1, 2',
        page: 1,
        reasons: [expect.objectContaining({ rule: 'invalid_json' })],
      }),
      expect.objectContaining({
        page: 3,
        reasons: [
          { field: '(body)', rule: 'records_path', expected: 'an array of records', actual: 'object' },
        ],
      }),
    ]);
  });

  it('never loads an excluded field: FakeStore passwords stop at validate', async () => {
    const user = {
      id: 1,
      email: 'john@gmail.com',
      username: 'johnd',
      password: 'm38rmF$',
      name: { firstname: 'john', lastname: 'doe' },
    };
    const { result } = await run('q-password', [JSON.stringify([user])], 'users');
    expect(result.validRecords).toBe(1);
    const [file] = await localParquetFiles(env.s3, 'transformed', result.tables.users!.keys);
    const columns = await queryRows(`select column_name from (describe select * from '${file}')`);
    expect(columns.map((row) => row.column_name)).not.toContain('password');
    expect(
      (await readObjectBytes(env.s3, 'transformed', result.tables.users!.keys[0]!)).includes('m38rmF$'),
    ).toBe(false);
  });

  describe.each([
    ['freeze', { validRecords: 1, rejectedRecords: 1 }],
    ['discard_row', { validRecords: 1, rejectedRecords: 1 }],
    ['discard_value', { validRecords: 2, rejectedRecords: 0, discardedValues: { colour: 1 } }],
    ['evolve', { validRecords: 2, rejectedRecords: 0, schemaVersions: { items: 2 } }],
  ])('an unknown field under mode %s', (mode, expected) => {
    it('is handled as the mode says, and the counts reconcile', async () => {
      useTestContract('items', mode as ContractMode, { id: { type: 'integer' }, name: { type: 'string' } });
      // A first run registers version 1 of the schema; the second meets the unknown field.
      await run(`q-mode-${mode}-1`, [JSON.stringify([{ id: 1, name: 'a' }])], 'items', 'test');
      const { result, rejects } = await run(
        `q-mode-${mode}-2`,
        [
          JSON.stringify([
            { id: 1, name: 'a' },
            { id: 2, name: 'b', colour: 'red' },
          ]),
        ],
        'items',
        'test',
      );
      expect(result).toMatchObject(expected);
      expect(result.inputRecords).toBe(result.validRecords + result.rejectedRecords);
      if (mode === 'freeze' || mode === 'discard_row') {
        expect(rejects[0]!.reasons).toEqual([
          expect.objectContaining({ field: 'colour', rule: 'unknown_field' }),
        ]);
      }
      if (mode === 'evolve') {
        const v2 = await readJson<{ version: number; columns: Array<{ name: string; type: string }> }>(
          env.s3,
          'transformed',
          '_schemas/test/items/v2.json',
        );
        expect(v2.version).toBe(2);
        expect(v2.columns.map((column) => column.name)).toContain('colour');
        // The new column starts a new part; read together by name, as Snowpipe's MATCH_BY_COLUMN_NAME does.
        expect(result.tables.items!.keys).toHaveLength(2);
        const files = await localParquetFiles(env.s3, 'transformed', result.tables.items!.keys);
        const list = files.map((file) => `'${file}'`).join(', ');
        expect(
          await queryRows(`select id, colour from read_parquet([${list}], union_by_name = true) order by id`),
        ).toEqual([
          { id: 1n, colour: null },
          { id: 2n, colour: 'red' },
        ]);
        // The next run starts from version 2: the column is known, nothing is bumped, one part is written.
        const third = await run(
          `q-mode-${mode}-3`,
          [JSON.stringify([{ id: 3, name: 'c', colour: 'blue' }])],
          'items',
          'test',
        );
        expect(third.result.schemaVersions).toEqual({ items: 2 });
        expect(third.result.tables.items!.keys).toHaveLength(1);
      }
    });
  });

  it('rejects a type change of an evolved column instead of coercing it', async () => {
    useTestContract('evolving', 'evolve', { id: { type: 'integer' } });
    const { result, rejects } = await run(
      'q-type-change',
      [
        JSON.stringify([
          { id: 1, size: 3 },
          { id: 2, size: 'large' },
        ]),
      ],
      'evolving',
      'test',
    );
    expect(result).toMatchObject({ validRecords: 1, rejectedRecords: 1 });
    expect(rejects[0]!.reasons).toEqual([
      { field: 'size', rule: 'type', expected: 'number', actual: 'string' },
    ]);
  });

  it('merges the columns that page groups evolve at the same time, losing none', async () => {
    useTestContract('parallel', 'evolve', { id: { type: 'integer' } });
    const batch = { source: 'test', resource: 'parallel', logicalDate: '2026-11-20', batchId: 'q-parallel' };
    const pages = ['red', 'green', 'blue', 'cyan'].map((colour, index) =>
      JSON.stringify([{ id: index, [colour]: true }]),
    );
    await landRawPages(env.s3, batch, pages);
    const results = await Promise.all(
      pages.map((_, index) =>
        validateResource(deps, { ...batch, pageGroup: { index, first: index, count: 1 } }),
      ),
    );
    const current = await readJson<{ version: number; columns: Array<{ name: string }> }>(
      env.s3,
      'transformed',
      '_schemas/test/parallel/current.json',
    );
    expect(current.columns.map((column) => column.name)).toEqual(
      expect.arrayContaining(['id', 'red', 'green', 'blue', 'cyan']),
    );
    expect(current.version).toBe(Math.max(...results.map((result) => result.schemaVersions.parallel!)));
  });

  it('gives the same Parquet and reject bytes for the same raw pages', async () => {
    const body = JSON.stringify([product({ id: 1 }), product({ id: 2, price: 'free' }), product({ id: 3 })]);
    const first = await run('q-deterministic', [body]);
    const firstBytes = await readObjectBytes(env.s3, 'transformed', first.result.tables.products!.keys[0]!);
    const firstRejects = await readObjectBytes(env.s3, 'failed', first.result.rejectKeys[0]!);
    const second = await run('q-deterministic', [body]);
    expect(second.result.tables.products!.keys).toEqual(first.result.tables.products!.keys);
    expect(
      (await readObjectBytes(env.s3, 'transformed', second.result.tables.products!.keys[0]!)).equals(
        firstBytes,
      ),
    ).toBe(true);
    expect((await readObjectBytes(env.s3, 'failed', second.result.rejectKeys[0]!)).equals(firstRejects)).toBe(
      true,
    );
  });
});
