import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalPostgres, startLocalPostgres } from '../../../local/postgres/local-postgres';
import { numberedPlaceholders, PostgresExecutor } from '../../../local/postgres/postgres-executor';

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
