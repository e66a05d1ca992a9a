import fc from 'fast-check';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PostgresWarehouse } from '../../../local/postgres/postgres-warehouse';
import { duckdb } from '../../support/duckdb';
import { postgresForTests } from '../../support/postgres-server';
import { compileContract, createValidator } from '../../../lambdas/contracts/contract';
import { RecordChecker } from '../../../lambdas/contracts/record-checker';

const RUNS = Number(process.env.POSTGRES_LOAD_RUNS ?? 25);

interface Row {
  id: number;
  text: string | null;
  amount: number | null;
  big: bigint | null;
  flag: boolean | null;
  seen_at: number | null;
  day: string | null;
}

const row = (id: number) =>
  fc.record({
    id: fc.constant(id),
    text: fc.option(fc.string({ unit: 'binary', maxLength: 40 })),
    amount: fc.option(fc.double({ noNaN: true, noDefaultInfinity: true })),
    big: fc.option(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })),
    flag: fc.option(fc.boolean()),
    // Milliseconds from year 1 to 9999, as the transformed layer's timestamps are.
    seen_at: fc.option(fc.integer({ min: -62_135_596_800_000, max: 253_402_300_799_999 })),
    day: fc.option(
      fc
        .integer({ min: -719_162, max: 2_932_896 })
        .map((days) => new Date(days * 86_400_000).toISOString().slice(0, 10)),
    ),
  });

/** One record as a JSON line, the 64-bit integer written exactly (JSON.stringify has no BigInt). */
const jsonLine = (record: Row) =>
  JSON.stringify({ ...record, big: record.big === null ? null : '§' }).replace('"§"', String(record.big));

describe('the PostgreSQL load keeps every value a transformed file holds (property)', () => {
  const postgres = postgresForTests('postgres-load-', ({ url }) => PostgresWarehouse.open(url));
  const directory = postgres.folder;
  let file = 0;

  /**
   * A file as validate writes one (Parquet, typed VARCHAR, DOUBLE, BIGINT, BOOLEAN, TIMESTAMPTZ, DATE),
   * under `directory` at its transformed key, which it answers.
   */
  async function transformedFile(rows: Row[]): Promise<string> {
    file += 1;
    const key = `prop/rows/dt=2026-12-07/batch=b${file}/part-00001.parquet`;
    const lines = join(directory, `rows-${file}.jsonl`);
    mkdirSync(dirname(join(directory, key)), { recursive: true });
    writeFileSync(lines, rows.map(jsonLine).join('\n'));
    await (
      await duckdb()
    ).run(`copy (
        select id, text, amount, big, flag, timezone('UTC', epoch_ms(seen_at)) as seen_at, day
        from read_json('${lines}', format = 'newline_delimited', columns = {id: 'BIGINT', text: 'VARCHAR', amount: 'DOUBLE', big: 'BIGINT', flag: 'BOOLEAN', seen_at: 'BIGINT', day: 'DATE'})
      ) to '${join(directory, key)}' (format parquet)`);
    return key;
  }

  it('any text, double, 64-bit integer, boolean, instant, day or null reads back as written', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .integer({ min: 1, max: 30 })
          .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => row(i + 1)))),
        async (rows) => {
          const key = await transformedFile(rows);
          const parquet = join(directory, key);
          const nul = rows.findIndex((record) => record.text?.includes('\u0000'));
          if (nul >= 0) {
            // PostgreSQL's text cannot hold U+0000: the file is refused whole, the row and column named.
            const refusal = await postgres
              .client()
              .loadFile(key, readFileSync(parquet))
              .catch((error: Error) => error);
            expect((refusal as Error).message).toContain(
              `row ${nul + 1}, column text: the value holds the NUL character (U+0000)`,
            );
            const [{ n }] = (await postgres
              .client()
              .rows('select count(*) as n from raw._load_history where file_name = ?', [key])) as [
              { n: number },
            ];
            expect(n).toBe(0);
            return;
          }
          await expect(postgres.client().loadFile(key, readFileSync(parquet))).resolves.toBe(rows.length);
          const loaded = await postgres.client().rows(
            `select id, text, amount, big::text as big, flag, (extract(epoch from seen_at) * 1000)::bigint as seen_at, day
             from raw.prop__rows where _file_name = ? order by id`,
            [key],
          );
          // PostgreSQL keeps a negative zero; it is the same number as zero.
          for (const record of loaded)
            if (record.amount !== null) record.amount = (record.amount as number) + 0;
          expect(loaded).toEqual(
            rows.map((record) => ({
              ...record,
              big: record.big === null ? null : String(record.big),
              amount: record.amount === null ? null : record.amount + 0,
            })),
          );
        },
      ),
      { numRuns: RUNS },
    );
  }, 120_000);

  it("adds a later file's new column (schema evolution) and keeps the earlier rows, null in it", async () => {
    const fileOf = async (batch: string, select: string) => {
      const key = `evo/things/dt=2026-12-07/batch=${batch}/part-00001.parquet`;
      mkdirSync(dirname(join(directory, key)), { recursive: true });
      await (await duckdb()).run(`copy (${select}) to '${join(directory, key)}' (format parquet)`);
      return key;
    };
    const first = await fileOf('b1', "select 1::bigint as id, 'a' as name");
    const second = await fileOf('b2', "select 2::bigint as id, 'b' as name, 2.5::double as score");
    for (const key of [first, second])
      await expect(postgres.client().loadFile(key, readFileSync(join(directory, key)))).resolves.toBe(1);
    expect(await postgres.client().rows('select id, name, score from raw.evo__things order by id')).toEqual([
      { id: 1, name: 'a', score: null },
      { id: 2, name: 'b', score: 2.5 },
    ]);
  });

  it('the contract rule the refusal suggests sends such a record to the failed bucket with its reason', async () => {
    const empty = { amount: null, big: null, flag: null, seen_at: null, day: null };
    const key = await transformedFile([{ id: 1, text: 'cut\u0000here', ...empty }]);
    const refusal = await postgres
      .client()
      .loadFile(key, readFileSync(join(directory, key)))
      .catch((error: Error) => error);
    const nulRefusal = (refusal as Error).message;
    // The pattern as the error message words it, in a contract.
    const pattern = /"pattern": "(.+?)"/.exec(nulRefusal)![1]!.replace(/\\\\/g, '\\');
    const contract = compileContract(
      'mine',
      'notes',
      {
        type: 'object',
        'x-pipeline': { mode: 'freeze', primaryKey: ['id'] },
        required: ['id'],
        properties: { id: { type: 'integer' }, text: { type: 'string', pattern } },
      },
      createValidator(),
    );
    const checker = new RecordChecker(contract, contract.tables[0]!);
    expect(checker.check({ id: 1, text: 'fine, and ü' })).toMatchObject({ accepted: true });
    expect(checker.check({ id: 2, text: 'cut\u0000here' })).toEqual({
      accepted: false,
      reasons: [expect.objectContaining({ field: 'text', rule: 'pattern' })],
    });
  });
});
