import { parseArgs } from 'node:util';
import { openFilledWarehouse, warehouseKindOf } from './warehouse/open-warehouse';

const usage = `Usage: npm run sql -- "select …" [--data-dir .local] [--warehouse duckdb|postgres]

Queries the local warehouse that npm start fills (schemas raw, clean, analytics): DuckDB's file, or
with --warehouse postgres the PostgreSQL that npm start -- --warehouse postgres filled (DATABASE_URL's
server when set). Examples:
  npm run sql -- "show all tables"
  npm run sql -- "select * from analytics.fakestore_revenue_by_category"
  npm run sql -- "select * from analytics.pipeline_runs order by started_at desc"`;

/** Cells as text for the terminal; JSON for what is not a plain value. */
function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object')
    return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
  return String(value);
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      'data-dir': { type: 'string', default: '.local' },
      warehouse: { type: 'string', default: 'duckdb' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || !positionals.length) {
    console.log(usage);
    if (!values.help) process.exitCode = 2;
    return;
  }
  const opened = await openFilledWarehouse(warehouseKindOf(values.warehouse), values['data-dir']);
  const { warehouse } = opened;
  try {
    const rows = await warehouse.rows(positionals.join(' '));
    if (!rows.length) return console.log('(no rows)');
    const columns = Object.keys(rows[0]!);
    const text = rows.map((row) => columns.map((column) => cell(row[column])));
    const widths = columns.map((column, index) =>
      Math.min(60, Math.max(column.length, ...text.map((line) => line[index]!.length))),
    );
    const line = (cells: string[]) =>
      cells.map((value, index) => value.slice(0, 60).padEnd(widths[index]!)).join(' │ ');
    console.log(line(columns));
    console.log(widths.map((width) => '─'.repeat(width)).join('─┼─'));
    for (const cells of text) console.log(line(cells));
    console.log(`(${rows.length} row${rows.length === 1 ? '' : 's'})`);
  } finally {
    await opened.close();
  }
}

main().catch((error: unknown) => {
  console.error(`sql: ${(error as Error).message}`);
  process.exitCode = 1;
});
