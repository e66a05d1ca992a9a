import { createHash } from 'node:crypto';
import { readPathParts } from '../shared/json-path';
import { ColumnSpec, TableSpec } from './table-spec';

export type Row = Record<string, unknown>;

/** Lineage every row carries: which batch, when extracted, from which raw object, which record. */
export interface Lineage {
  batchId: string;
  extractedAt: string;
  sourceKey: string;
}

/** JSON with keys sorted at every level: equal records give equal text, whatever the key order. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.keys(value as object)
    .sort()
    .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
    .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
  return `{${entries.join(',')}}`;
}

export function recordHash(record: unknown): string {
  return createHash('sha256').update(canonicalJson(record)).digest('hex');
}

/** A checked value in the form the Parquet writer takes for the column's type. */
function cellValue(column: ColumnSpec, value: unknown): unknown {
  if (value === undefined || value === null) return null;
  switch (column.type) {
    case 'integer':
      return BigInt(value as number);
    case 'timestamp':
      return BigInt(Date.parse(value as string)) * 1000n;
    case 'date':
      return new Date(Date.parse(value as string));
    case 'json':
      return JSON.stringify(value);
    default:
      return value;
  }
}

/**
 * Flattens one accepted record into its table's row and its child tables' rows (an array of objects
 * becomes rows with the parent's key and the list index), each with the lineage columns.
 */
export function rowsOf(
  record: Record<string, unknown>,
  tables: readonly TableSpec[],
  primaryKey: readonly string[],
  lineage: Lineage,
): Map<string, Row[]> {
  const hash = recordHash(record);
  const lineageCells = {
    _batch_id: lineage.batchId,
    _extracted_at: BigInt(Date.parse(lineage.extractedAt)) * 1000n,
    _source_key: lineage.sourceKey,
    _record_hash: hash,
  };
  const [main, ...children] = tables;
  const rows = new Map<string, Row[]>();
  const mainRow: Row = {};
  for (const column of main!.columns)
    mainRow[column.name] = cellValue(column, readPathParts(record, column.path));
  rows.set(main!.name, [{ ...mainRow, ...lineageCells }]);

  const parentKey = main!.columns.filter((column) => primaryKey.includes(column.path.join('.')));
  for (const child of children) {
    const items = readPathParts(record, child.arrayPath ?? []);
    const childRows: Row[] = [];
    if (Array.isArray(items)) {
      items.forEach((item, index) => {
        const row: Row = {};
        for (const key of parentKey) row[`_parent_${key.name}`] = mainRow[key.name];
        row._list_index = BigInt(index);
        for (const column of child.columns)
          row[column.name] = cellValue(column, readPathParts(item, column.path));
        childRows.push({ ...row, ...lineageCells });
      });
    }
    rows.set(child.name, childRows);
  }
  return rows;
}
