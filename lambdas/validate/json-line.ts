import type { Row } from './normalize';
import type { ColumnSpec } from './table-spec';

/**
 * A row as RowBuilder made it (the forms Parquet takes, each value proven writable: integers as
 * BigInt, timestamps in microseconds, dates as Date) spelled as one JSON line, which the warehouse
 * reads with the same column types: integers as their exact digits, timestamps in ISO 8601, dates as
 * YYYY-MM-DD. The streaming path writes these; the checks are the batch path's, only the spelling differs.
 */
export function jsonLineOf(row: Row, columns: readonly ColumnSpec[]): string {
  const fields: string[] = [];
  for (const column of columns)
    fields.push(`${JSON.stringify(column.name)}:${jsonText(column, row[column.name])}`);
  return `{${fields.join(',')}}`;
}

function jsonText(column: ColumnSpec, value: unknown): string {
  if (value === null || value === undefined) return 'null';
  switch (column.type) {
    case 'integer':
      // JSON numbers have no size limit: the digits of an INT64 beyond 2^53 are written exactly.
      return String(value as bigint);
    case 'timestamp':
      return JSON.stringify(new Date(Number((value as bigint) / 1000n)).toISOString());
    case 'date':
      return JSON.stringify((value as Date).toISOString().slice(0, 10));
    default:
      return JSON.stringify(value);
  }
}
