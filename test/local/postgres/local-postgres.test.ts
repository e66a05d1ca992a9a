import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { LocalPostgres, startLocalPostgres } from '../../../local/postgres/local-postgres';
import { numberedPlaceholders, PostgresExecutor } from '../../../local/postgres/postgres-executor';
import { describedColumns, loadIntoPostgres, postgresTableDdl } from '../../../local/postgres/parquet-load';
import { duckdb } from '../../support/duckdb';

describe('a PostgreSQL server of its own, on loopback (issue 21, the warehouse to come)', () => {
  const directory = mkdtempSync(join(tmpdir(), 'local-postgres-'));
  let server: LocalPostgres;
  let executor: PostgresExecutor;

  beforeAll(async () => {
    server = await startLocalPostgres(directory);
    executor = new PostgresExecutor(server.url);
  }, 60_000);
  afterAll(async () => {
    await executor?.close();
    await server?.stop();
    rmSync(directory, { recursive: true, force: true });
  });

  it('runs statements with bound values, in transactions that commit or roll back', async () => {
    await executor.execute('create schema if not exists clean');
    await executor.execute('create table clean.products (id bigint primary key, title text, price numeric)');
    await executor.execute('insert into clean.products values (?, ?, ?), (?, ?, ?)', [
      1,
      "O'Neill? & co",
      109.95,
      2,
      'Shirt',
      22.3,
    ]);
    await executor.execute('begin');
    await executor.execute('delete from clean.products where id = ?', [1]);
    await executor.execute('rollback');
    await executor.execute('begin');
    await executor.execute('update clean.products set price = ? where id = ?', [25, 2]);
    await executor.execute('commit');
    expect(
      await executor.execute(
        "select id::int, title, price::float, 'is it?' as note from clean.products order by id",
      ),
    ).toEqual([
      { id: 1, title: "O'Neill? & co", price: 109.95, note: 'is it?' },
      { id: 2, title: 'Shirt', price: 25, note: 'is it?' },
    ]);
  });

  it('keeps its data when started again on the same folder', async () => {
    await executor.close();
    await server.stop();
    server = await startLocalPostgres(directory);
    executor = new PostgresExecutor(server.url);
    expect(await executor.execute('select count(*)::int as n from clean.products')).toEqual([{ n: 2 }]);
  }, 60_000);

  it('loads a transformed Parquet file into a typed table, values exact, through COPY', async () => {
    const file = join(directory, 'part-00001.parquet');
    const duck = await duckdb();
    // Every column type of the transformed layer, with the values that break loaders: an integer no
    // double holds, quotes and ? in text, unicode, JSON, nulls, and COPY's own tab, newline,
    // backslash and end-of-data marker; and 10,000 rows (several chunks of COPY).
    await duck.run(`copy (
      select i::bigint as id,
        case when i = 1 then 9007199254740993 else i * 10 end::bigint as big,
        i / 4.0::double as ratio,
        i % 2 = 0 as even,
        ('2020-03-02 00:00:00+00'::timestamptz + to_seconds(i)) as at,
        ('2020-03-02'::date + i::int) as day,
        case when i = 1 then '{"a": [1, "x"]}' end as extra,
        case when i = 1 then 'O''Neill? — ü "q"' when i = 2 then null
          when i = 3 then 'a' || chr(9) || 'b' || chr(10) || '\\.' || chr(10) || '\\N' || chr(13) || 'c\\\\d'
          when i = 4 then '' else 'row ' || i end as title
      from range(1, 10001) t(i)) to '${file}' (format parquet)`);
    // The table's columns are the file's own, as DuckDB reads them, in PostgreSQL's types.
    const relation = `read_parquet('${file}')`;
    const columns = await describedColumns(duck, relation);
    expect(columns.map((column) => column.type)).toEqual([
      'bigint',
      'bigint',
      'double precision',
      'boolean',
      'timestamptz',
      'date',
      'text',
      'text',
    ]);
    await executor.execute('create schema if not exists raw');
    await executor.execute(postgresTableDdl('raw', 'typed', columns));
    await expect(
      loadIntoPostgres(duck, executor, relation, { schema: 'raw', name: 'typed' }, columns),
    ).resolves.toBe(10_000);
    expect(
      await executor.execute(
        "select id::text, big::text, ratio, even, to_char(at at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS') as at, day::text, extra, title from raw.typed where id <= 2 order by id",
      ),
    ).toEqual([
      {
        id: '1',
        big: '9007199254740993',
        ratio: 0.25,
        even: false,
        at: '2020-03-02 00:00:01',
        day: '2020-03-03',
        extra: '{"a": [1, "x"]}',
        title: 'O\'Neill? — ü "q"',
      },
      {
        id: '2',
        big: '20',
        ratio: 0.5,
        even: true,
        at: '2020-03-02 00:00:02',
        day: '2020-03-04',
        extra: null,
        title: null,
      },
    ]);
    // COPY's delimiters and markers inside a value, and an empty text (not a null), read back as written.
    expect(await executor.execute('select title from raw.typed where id in (3, 4) order by id')).toEqual([
      { title: 'a\tb\n\\.\n\\N\rc\\\\d' },
      { title: '' },
    ]);
    expect(
      await executor.execute('select count(*)::int as n, sum(id)::text as total from raw.typed'),
    ).toEqual([{ n: 10_000, total: String((10_000 * 10_001) / 2) }]);
  }, 60_000);

  it('a second command on the same folder uses the running server, and leaves it running', async () => {
    // The first command is another process, alive (this test's parent, as npm start would be).
    writeFileSync(join(directory, 'sockets', 'owner.pid'), String(process.ppid));
    const second = await startLocalPostgres(directory);
    expect(second.port).toBe(server.port);
    const reader = new PostgresExecutor(second.url);
    expect(await reader.execute('select count(*)::int as n from clean.products')).toEqual([{ n: 2 }]);
    await reader.close();
    await second.stop();
    // The first command's server still answers.
    expect(await executor.execute('select 1 as up')).toEqual([{ up: 1 }]);
  }, 60_000);

  it("a server left running by a command that is gone (Ctrl-C) is the next command's to stop", async () => {
    // A pid no process has: the command that started the server was killed before it could stop it.
    writeFileSync(join(directory, 'sockets', 'owner.pid'), '2147483646');
    const adopter = await startLocalPostgres(directory);
    expect(adopter.port).toBe(server.port);
    await executor.close();
    await adopter.stop();
    await expect(new PostgresExecutor(server.url).execute('select 1')).rejects.toThrow(/cannot connect/);
    server = await startLocalPostgres(directory);
    executor = new PostgresExecutor(server.url);
    expect(await executor.execute('select count(*)::int as n from clean.products')).toEqual([{ n: 2 }]);
  }, 60_000);

  it("starts in a folder given relative to here, as npm start's default .local is", async () => {
    const relativeFolder = relative(process.cwd(), mkdtempSync(join(tmpdir(), 'relative-postgres-')));
    expect(relativeFolder).not.toMatch(/^\//);
    const relativeServer = await startLocalPostgres(relativeFolder);
    try {
      const client = new PostgresExecutor(relativeServer.url);
      expect(await client.execute('select 1 as up')).toEqual([{ up: 1 }]);
      await client.close();
    } finally {
      await relativeServer.stop();
      rmSync(relativeFolder, { recursive: true, force: true });
    }
  }, 60_000);

  it('says what to do when it cannot connect', async () => {
    const unreachable = new PostgresExecutor('postgres://someone:secret@127.0.0.1:9/nothing');
    await expect(unreachable.execute('select 1')).rejects.toThrow(
      /^cannot connect to PostgreSQL at postgres:\/\/someone:REDACTED@127\.0\.0\.1:9\/nothing \(.+\): check DATABASE_URL/,
    );
  });

  it('numbers the placeholders, and only the ones outside strings, identifiers and comments', () => {
    expect(numberedPlaceholders(`select ?, '?', "a?b", ? -- what?\n, $x$ ? $x$, /* ? */ ?`)).toBe(
      `select $1, '?', "a?b", $2 -- what?\n, $x$ ? $x$, /* ? */ $3`,
    );
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('?', "'?'", 'x', ' ', '"q?"', "''"), { maxLength: 30 }),
        (parts) => {
          const text = parts.join(' ');
          const placeholders = parts.filter((part) => part === '?').length;
          const numbered = numberedPlaceholders(text);
          expect(numbered.match(/\$\d+/g) ?? []).toEqual(
            Array.from({ length: placeholders }, (_, i) => `$${i + 1}`),
          );
        },
      ),
    );
  });
});
