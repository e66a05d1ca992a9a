import fc from 'fast-check';
import { PostgresExecutor } from '../../../local/postgres/postgres-executor';
import { dialectFunctions, inPostgres, sessionSettings } from '../../../local/postgres/postgres-dialect';
import { duckdb } from '../../support/duckdb';
import { postgresForTests } from '../../support/postgres-server';

describe("PostgreSQL's dialect: the functions it lacks, with DuckDB's (and Snowflake's) meaning", () => {
  const server = postgresForTests('postgres-dialect-', async ({ url }) => {
    const executor = new PostgresExecutor(url, sessionSettings);
    for (const statement of dialectFunctions) await executor.execute(statement);
    return executor;
  });
  const postgres = {
    execute: (...args: Parameters<PostgresExecutor['execute']>) => server.client().execute(...args),
  };

  const inDuckdb = async (sql: string) => (await (await duckdb()).runAndReadAll(sql)).getRowObjectsJS()[0]!;
  const instant = fc
    .integer({ min: Date.parse('1990-01-01'), max: Date.parse('2040-01-01') })
    .map((ms) => new Date(ms).toISOString());

  it('datediff counts the boundaries crossed, as DuckDB does, for second, minute, hour and day', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('second', 'minute', 'hour', 'day'),
        instant,
        instant,
        async (part, a, b) => {
          const sql = `select datediff('${part}', '${a}'::timestamptz, '${b}'::timestamptz) as n`;
          const [{ n }] = (await postgres.execute(sql)) as [{ n: number }];
          const { n: expected } = await inDuckdb(sql);
          expect(n).toBe(Number(expected));
        },
      ),
      { numRuns: 150 },
    );
    // 10:59 to 11:01 crosses one hour boundary, though two minutes passed.
    expect(
      await postgres.execute(
        "select datediff('hour', '2026-12-07 10:59:00+00'::timestamptz, '2026-12-07 11:01:00+00'::timestamptz) as n",
      ),
    ).toEqual([{ n: 1 }]);
    await expect(postgres.execute("select datediff('week', now(), now())")).rejects.toThrow(
      /the part week is not one of second, minute, hour, day/,
    );
  });

  it('round(double, places) gives what DuckDB gives, for doubles of every size and sign', async () => {
    const value = fc.oneof(
      fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e300, max: 1e300 }),
      // Cents and half-cents, where the ties are.
      fc.integer({ min: -10_000_000, max: 10_000_000 }).map((n) => n / 1000),
    );
    await fc.assert(
      fc.asyncProperty(value, fc.integer({ min: 0, max: 12 }), async (x, places) => {
        const sql = `select round(${x.toPrecision(17)}::double precision, ${places}) as r`;
        const [{ r }] = (await postgres.execute(sql)) as [{ r: number }];
        const { r: expected } = await inDuckdb(sql.replace('double precision', 'double'));
        // -0 and 0 are one value to anyone reading a total (+ 0 makes -0 plain 0).
        expect(r + 0).toBe((expected as number) + 0);
      }),
      { numRuns: 300 },
    );
  });

  it('any_value takes a value of the group', async () => {
    expect(
      await postgres.execute(
        "select g, any_value(v) as v from (values (1, 'a'), (1, 'a'), (2, null), (2, 'b')) as t (g, v) group by g order by g",
      ),
    ).toEqual([
      { g: 1, v: 'a' },
      { g: 2, v: 'b' },
    ]);
  });

  it('a model that replaces its table or view runs again, and its views are made again after it', async () => {
    await postgres.execute('create schema if not exists analytics');
    const table = inPostgres('create or replace table analytics.totals as select 1 as n');
    const view = inPostgres('create or replace view analytics.vw_totals as select n from analytics.totals');
    expect(table).toBe(
      'drop table if exists analytics.totals cascade;\ncreate table analytics.totals as select 1 as n',
    );
    for (let run = 0; run < 2; run += 1) {
      await postgres.execute(table);
      await postgres.execute(view);
    }
    expect(await postgres.execute('select n from analytics.vw_totals')).toEqual([{ n: 1 }]);
  });

  it("turns Snowflake's type names into PostgreSQL's in table definitions only", () => {
    expect(
      inPostgres(
        'create table if not exists analytics.t (at timestamp_tz, n number(38, 0), d double, f float, p double precision)',
      ),
    ).toBe(
      'create table if not exists analytics.t (at timestamptz, n bigint, d double precision, f float, p double precision)',
    );
    const query = "select 'double' as word, x from analytics.t where kind = 'timestamp_tz'";
    expect(inPostgres(query)).toBe(query);
  });
});
