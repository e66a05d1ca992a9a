import type { Row } from './row-builder';
import type { ColumnSpec } from './table-spec';

/**
 * A row as RowBuilder made it (the forms Parquet takes, each value proven writable: integers as
 * BigInt, timestamps in microseconds, dates as Date) spelled as one JSON line, which the warehouse
 * reads with the same column types: integers as their exact digits, timestamps in ISO 8601, dates as
 * YYYY-MM-DD. The streaming path writes these; the checks are the batch path's, only the spelling differs.
 */
export function jsonLineOf(row: Row, columns: readonly ColumnSpec[]): string {
  const line: Record<string, unknown> = {};
  let unsafeIntegers = false;
  for (const column of columns) {
    const value = row[column.name];
    if (value === null || value === undefined) line[column.name] = null;
    else if (column.type === 'integer') {
      const integer = value as bigint;
      unsafeIntegers ||= integer > MAX_SAFE || integer < MIN_SAFE;
      line[column.name] = Number(integer);
    } else if (column.type === 'timestamp') line[column.name] = isoTimestamp(value as bigint);
    else if (column.type === 'date') line[column.name] = (value as Date).toISOString().slice(0, 10);
    else line[column.name] = value;
  }
  // One JSON.stringify for the common row; cell by cell only where a double would round an integer.
  return unsafeIntegers ? withExactIntegers(line, row, columns) : JSON.stringify(line);
}

/** The last timestamp spelled: every row of a request has the same `_extracted_at` (toISOString is not cheap). */
let lastMicros: bigint | undefined;
let lastIso = '';

function isoTimestamp(micros: bigint): string {
  if (micros !== lastMicros) {
    lastIso = new Date(Number(micros / 1000n)).toISOString();
    lastMicros = micros;
  }
  return lastIso;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = -MAX_SAFE;

/** JSON numbers have no size limit: the digits of an INT64 beyond 2^53 are written exactly. */
function withExactIntegers(line: Record<string, unknown>, row: Row, columns: readonly ColumnSpec[]): string {
  const fields = columns.map((column) => {
    const value = row[column.name];
    const text =
      column.type === 'integer' && typeof value === 'bigint'
        ? String(value)
        : JSON.stringify(line[column.name]);
    return `${JSON.stringify(column.name)}:${text}`;
  });
  return `{${fields.join(',')}}`;
}
