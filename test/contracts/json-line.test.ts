import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jsonLineOf } from '../../lambdas/contracts/json-line';
import type { ColumnSpec } from '../../lambdas/contracts/table-spec';
import { duckdbTypes } from '../../lambdas/shared/sql-text';
import { duckdb } from '../support/duckdb';

const column = (name: string, type: ColumnSpec['type']): ColumnSpec => ({
  name,
  path: [name],
  type,
  nullable: true,
});
const columns = [
  column('count', 'integer'),
  column('at', 'timestamp'),
  column('day', 'date'),
  column('price', 'number'),
  column('payload', 'json'),
  column('note', 'string'),
];

describe('a row as a JSON line (the streaming path)', () => {
  const directory = mkdtempSync(join(tmpdir(), 'json-line-'));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  /** Reads lines as the local Snowpipe does: the columns' types given, nothing inferred. */
  async function load(lines: string[]) {
    const file = join(directory, `${lines.length}.jsonl`);
    writeFileSync(file, `${lines.join('\n')}\n`);
    const types = columns.map((spec) => `'${spec.name}': '${duckdbTypes[spec.type]}'`).join(', ');
    const reader = await (
      await duckdb()
    ).runAndReadAll(
      `select "count"::varchar as "count", "at"::varchar as "at", "day"::varchar as "day", price, payload, note from read_json('${file}', format = 'newline_delimited', columns = {${types}})`,
    );
    return reader.getRowObjectsJS();
  }

  it('writes integers beyond 2^53 with their exact digits, and the warehouse reads them back exactly', async () => {
    const line = jsonLineOf(
      {
        count: 9223372036854775807n,
        at: BigInt(Date.UTC(2026, 11, 4, 6, 0, 0, 123)) * 1000n,
        day: new Date(Date.UTC(2026, 11, 4)),
        price: 9.5,
        payload: '{"a":[1,2]}',
        note: 'ü "quoted"',
      },
      columns,
    );
    expect(line).toBe(
      '{"count":9223372036854775807,"at":"2026-12-04T06:00:00.123Z","day":"2026-12-04","price":9.5,"payload":"{\\"a\\":[1,2]}","note":"ü \\"quoted\\""}',
    );
    const small = jsonLineOf(
      { count: -42n, at: null, day: null, price: null, payload: null, note: null },
      columns,
    );
    expect(small).toBe('{"count":-42,"at":null,"day":null,"price":null,"payload":null,"note":null}');
    expect(await load([line, small])).toEqual([
      {
        count: '9223372036854775807',
        at: '2026-12-04 06:00:00.123+00',
        day: '2026-12-04',
        price: 9.5,
        payload: '{"a":[1,2]}',
        note: 'ü "quoted"',
      },
      { count: '-42', at: null, day: null, price: null, payload: null, note: null },
    ]);
  });
});
