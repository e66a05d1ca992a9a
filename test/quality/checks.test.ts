import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { parseChecksFile } from '../../lambdas/quality/check-config';
import { compileCheck } from '../../lambdas/quality/compile-check';
import { duckdbDialect, snowflakeDialect } from '../../lambdas/quality/dialect';
import { runChecks } from '../../lambdas/quality/run-checks';
import { qualityGate } from '../../lambdas/quality/quality-gate';
import { fixtureDirectory } from '../../local/fixture-api/fixture-data';
import { LocalWarehouse } from '../../local/warehouse/warehouse';

const csv = (file: string) =>
  parse(readFileSync(join(fixtureDirectory, 'fakestore', file)), { columns: true }) as Array<
    Record<string, string>
  >;
const q = (value: string) => `'${value.replace(/'/g, "''")}'`;

describe('data-quality checks on DuckDB', () => {
  const directory = mkdtempSync(join(tmpdir(), 'quality-'));
  let warehouse: LocalWarehouse;

  /** CLEAN tables loaded from the FakeStore fixture files, as the pipeline would hold them. */
  async function loadFixtureTables() {
    await warehouse.rows(
      `create or replace table clean.fakestore__products as select * from (values ${csv('products.csv')
        .map((p) => `(${p.id}, ${q(p.title!)}, ${p.price}, ${q(p.category!)})`)
        .join(', ')}) as t(id, title, price, category)`,
    );
    await warehouse.rows(
      `create or replace table clean.fakestore__users as select * from (values ${csv('users.csv')
        .map((u) => `(${u.id}, ${q(u.email!)}, ${q(u.username!)})`)
        .join(', ')}) as t(id, email, username)`,
    );
    const lines = csv('carts.csv');
    const carts = [...new Map(lines.map((line) => [`${line.userid}|${line.date}`, line])).values()];
    await warehouse.rows(
      `create or replace table clean.fakestore__carts as select * from (values ${carts
        .map((cart, index) => `(${index + 1}, ${cart.userid}, timestamp '${cart.date}', current_timestamp)`)
        .join(', ')}) as t(id, user_id, date, _extracted_at)`,
    );
    await warehouse.rows(
      `create or replace table clean.fakestore__carts__products as select * from (values ${lines
        .map((line, index) => `(${index + 1}, 0, ${line.productid}, ${line.quantity})`)
        .join(', ')}) as t(_parent_id, _list_index, product_id, quantity)`,
    );
  }

  beforeAll(async () => {
    warehouse = await LocalWarehouse.open(join(directory, 'warehouse.duckdb'));
  });
  beforeEach(loadFixtureTables);
  afterAll(() => {
    warehouse.close();
    rmSync(directory, { recursive: true, force: true });
  });

  const check = async (table: string, yaml: string, batchId = 'b1') => {
    const checks = parseChecksFile(`table: ${table}\nchecks:\n${yaml}`, `${table}.yml`);
    return (await runChecks(warehouse.executor(), checks, duckdbDialect, batchId)).results[0]!;
  };

  it('row_count: passes with rows, fails on an empty table or outside a range', async () => {
    expect(await check('fakestore__products', '  - row_count: { min: 1 }')).toMatchObject({
      status: 'pass',
      metric: 20,
    });
    expect(await check('fakestore__products', '  - row_count: { min: 1, max: 10 }')).toMatchObject({
      status: 'fail',
      metric: 20,
      threshold: 'between 1 and 10',
    });
    await warehouse.rows('delete from clean.fakestore__products');
    expect(await check('fakestore__products', '  - row_count: { min: 1 }')).toMatchObject({
      status: 'fail',
      metric: 0,
    });
  });

  it('missing_count: fails on nulls in a key', async () => {
    expect(await check('fakestore__carts', '  - missing_count: { columns: [id, user_id] }')).toMatchObject({
      status: 'pass',
      metric: 0,
    });
    await warehouse.rows('update clean.fakestore__carts set user_id = null where id in (1, 2)');
    expect(await check('fakestore__carts', '  - missing_count: { columns: [id, user_id] }')).toMatchObject({
      status: 'fail',
      metric: 2,
    });
  });

  it('duplicate_count: fails on a duplicated key, naming it', async () => {
    expect(await check('fakestore__products', '  - duplicate_count: { columns: [id] }')).toMatchObject({
      status: 'pass',
      metric: 0,
    });
    await warehouse.rows(
      'insert into clean.fakestore__products select * from clean.fakestore__products where id = 3',
    );
    expect(await check('fakestore__products', '  - duplicate_count: { columns: [id] }')).toMatchObject({
      status: 'fail',
      metric: 1,
      failingKeys: '3',
    });
  });

  it('freshness: fails on stale timestamps', async () => {
    expect(
      await check('fakestore__carts', '  - freshness: { column: _extracted_at, max_hours: 26 }'),
    ).toMatchObject({ status: 'pass', metric: 0 });
    await warehouse.rows(
      'update clean.fakestore__carts set _extracted_at = current_timestamp - interval 3 day',
    );
    expect(
      await check('fakestore__carts', '  - freshness: { column: _extracted_at, max_hours: 26 }'),
    ).toMatchObject({ status: 'fail', metric: 72 });
  });

  it('invalid_count: fails on values outside the allowed list or range', async () => {
    const categories = `  - invalid_count: { column: category, values: ["men's clothing", "women's clothing", jewelery, electronics] }`;
    expect(await check('fakestore__products', categories)).toMatchObject({ status: 'pass', metric: 0 });
    await warehouse.rows("update clean.fakestore__products set category = 'toys', price = -1 where id = 5");
    expect(await check('fakestore__products', categories)).toMatchObject({
      status: 'fail',
      metric: 1,
      failingKeys: 'toys',
    });
    expect(await check('fakestore__products', '  - invalid_count: { column: price, min: 0 }')).toMatchObject({
      status: 'fail',
      metric: 1,
    });
  });

  it('invalid_count: reads an allowed value with a quote or a backslash as written', async () => {
    await warehouse.rows(
      "update clean.fakestore__products set category = 'kids\\toys' where id = 5; update clean.fakestore__products set category = 'men''s' where id = 6",
    );
    const allowed = `values: ["men's clothing", "women's clothing", jewelery, electronics, 'kids\\toys', "men's"]`;
    expect(
      await check('fakestore__products', `  - invalid_count: { column: category, ${allowed} }`),
    ).toMatchObject({
      status: 'pass',
      metric: 0,
    });
  });

  it('invalid_count: writes a backslash and a quote in a literal as each dialect reads them', () => {
    const [allowedValues] = parseChecksFile(
      `table: fakestore__products\nchecks:\n  - invalid_count: { column: category, values: ['kids\\toys', "men's"] }\n`,
      'fakestore__products.yml',
    );
    // Snowflake reads `\` in a string literal as an escape; DuckDB, like standard SQL, does not.
    expect(compileCheck(allowedValues!, snowflakeDialect).metricSql).toContain(
      `not in ('kids\\\\toys', 'men\\'s')`,
    );
    expect(compileCheck(allowedValues!, duckdbDialect).metricSql).toContain(
      `not in ('kids\\toys', 'men''s')`,
    );
  });

  it('reference: fails on orphaned cart lines and carts of unknown users', async () => {
    expect(
      await check(
        'fakestore__carts__products',
        '  - reference: { column: product_id, to: fakestore__products.id }',
      ),
    ).toMatchObject({ status: 'pass', metric: 0 });
    await warehouse.rows('update clean.fakestore__carts__products set product_id = 99 where _parent_id = 1');
    expect(
      await check(
        'fakestore__carts__products',
        '  - reference: { column: product_id, to: fakestore__products.id }',
      ),
    ).toMatchObject({ status: 'fail', metric: 1, failingKeys: '99' });
    await warehouse.rows('delete from clean.fakestore__users where id = 1');
    expect(
      await check('fakestore__carts', '  - reference: { column: user_id, to: fakestore__users.id }'),
    ).toMatchObject({ status: 'fail' });
  });

  it('schema: fails when a required column is missing or a forbidden one (a password) is present', async () => {
    const schema = '  - schema: { required: [id, email], forbidden: [password] }';
    expect(await check('fakestore__users', schema)).toMatchObject({ status: 'pass', metric: 0 });
    await warehouse.rows('alter table clean.fakestore__users add column password varchar');
    expect(await check('fakestore__users', schema)).toMatchObject({
      status: 'fail',
      metric: 1,
      failingKeys: 'forbidden password',
    });
  });

  it('anomaly: warns on a collapse against a short history, fails against a long one, and passes on normal counts', async () => {
    const anomaly = '  - anomaly: { metric: row_count, min_history: 3 }\n    severity: fail';
    const seed = async (counts: number[]) => {
      for (const [index, count] of counts.entries()) {
        await warehouse.rows(
          `insert into analytics.dq_check_results values ('seed-${index}', 'fakestore__products', 'anomaly(row_count)', 'fail', 'pass', ${count}, '', null, timestamp '2026-11-01' + interval (${index}) day)`,
        );
      }
    };
    await seed([20, 21]);
    await warehouse.rows('delete from clean.fakestore__products where id > 2');
    expect(await check('fakestore__products', anomaly, 'short')).toMatchObject({ status: 'warn', metric: 2 });
    await warehouse.rows("delete from analytics.dq_check_results where batch_id = 'short'");
    await seed([19, 20, 22]);
    expect(await check('fakestore__products', anomaly, 'long')).toMatchObject({
      status: 'fail',
      metric: 2,
      failingKeys: '2 rows against a median of 20',
    });
    await loadFixtureTables();
    expect(await check('fakestore__products', anomaly, 'normal')).toMatchObject({
      status: 'pass',
      metric: 20,
    });
  });

  it('writes one result row per check with its metric, and the gate turns fail into an error that lists them', async () => {
    await warehouse.rows('update clean.fakestore__products set price = -5 where id = 1');
    const checks = parseChecksFile(
      'table: fakestore__products\nchecks:\n  - row_count: { min: 1 }\n  - invalid_count: { column: price, min: 0 }\n  - invalid_count: { column: title, values: [x] }\n    severity: warn\n',
      'p.yml',
    );
    const outcome = await runChecks(warehouse.executor(), checks, duckdbDialect, 'gate-1');
    expect(outcome.verdict).toBe('fail');
    expect(
      await warehouse.rows(
        "select check_name, status, metric_value from analytics.dq_check_results where batch_id = 'gate-1' order by check_name",
      ),
    ).toEqual([
      { check_name: 'invalid_count(price)', status: 'fail', metric_value: 1 },
      { check_name: 'invalid_count(title)', status: 'warn', metric_value: 20 },
      { check_name: 'row_count()', status: 'pass', metric_value: 20 },
    ]);
    expect(() => qualityGate(outcome)).toThrow(
      /1 data-quality check\(s\) failed: fakestore__products: invalid_count\(price\) = 1 \(expected <= 0\) \[-5(\.0+)?\]/,
    );
    const warnOnly = {
      ...outcome,
      verdict: 'warn' as const,
      results: outcome.results.filter((result) => result.status !== 'fail'),
    };
    expect(qualityGate(warnOnly)).toMatchObject({
      verdict: 'warn',
      warned: [expect.stringContaining('invalid_count(title)')],
    });
  });

  it('reference: fails, saying what to run, when the table it looks into is not in CLEAN yet', async () => {
    await warehouse.rows('drop table clean.fakestore__users');
    const carts = Number((await warehouse.rows('select count(*) as n from clean.fakestore__carts'))[0]!.n);
    expect(
      await check('fakestore__carts', '  - reference: { column: user_id, to: fakestore__users.id }'),
    ).toEqual(
      expect.objectContaining({
        status: 'fail',
        metric: carts,
        failingKeys: 'fakestore__users is not in CLEAN yet: run its source first, then this day again',
      }),
    );
    // Allowed by its threshold, it passes as against an empty table.
    expect(
      await check(
        'fakestore__carts',
        `  - reference: { column: user_id, to: fakestore__users.id, max: ${carts} }`,
      ),
    ).toMatchObject({ status: 'pass' });
  });

  it('skips checks of tables that are not in CLEAN', async () => {
    const outcome = await runChecks(
      warehouse.executor(),
      parseChecksFile('table: gfn__countries\nchecks:\n  - row_count: {}\n', 'g.yml'),
      duckdbDialect,
      'b2',
    );
    expect(outcome).toEqual({ verdict: 'pass', results: [] });
  });
});

describe('checks files', () => {
  it('name the file, the line and the reason of a mistake', () => {
    expect(() =>
      parseChecksFile(
        'table: t\nchecks:\n  - row_count: { min: 1 }\n  - duplicate_cont: { columns: [id] }\n',
        't.yml',
      ),
    ).toThrow(/t\.yml line 4: checks\.1: an unknown check kind or parameters it does not take/);
    expect(() => parseChecksFile('table: t\nchecks:\n  - freshness: { column: x }\n', 't.yml')).toThrow(
      /t\.yml line 3/,
    );
    expect(() => parseChecksFile('table: t\nchecks: [\n', 'broken.yml')).toThrow(/broken\.yml line \d+:/);
  });
});
