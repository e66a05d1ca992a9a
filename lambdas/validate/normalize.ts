import { readPathParts } from '../shared/json-path';
import { recordHash } from './canonical-json';
import { ColumnSpec, JsonSchemaNode, parentKeyColumnName, primaryKeyColumns, TableSpec } from './table-spec';

export type Row = Record<string, unknown>;

/** Lineage every row of one raw page carries: which batch, when extracted, from which raw object. */
export interface PageLineage {
  batchId: string;
  /** When extract fetched the page, in microseconds since the epoch (the Parquet timestamp unit). */
  extractedAtMicros: bigint;
  sourceKey: string;
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
 * Flattens accepted records into their table's row and their child tables' rows (an array of objects
 * becomes rows with the parent's key and the list index), each with the lineage columns. Reads the
 * tables' columns at every call, so columns added by schema evolution are filled from then on.
 */
export class RowBuilder {
  private readonly parentKey: ColumnSpec[];

  constructor(
    private readonly tables: readonly TableSpec[],
    primaryKey: readonly string[],
    /** The contract's schema: its key order is the canonical order `_record_hash` is computed in. */
    private readonly schema?: JsonSchemaNode,
  ) {
    this.parentKey = primaryKeyColumns(tables[0]!, primaryKey);
  }

  /** Hands each row to `emit` with the index of its table in `tables` (0: the resource's own). */
  build(
    record: Record<string, unknown>,
    lineage: PageLineage,
    emit: (tableIndex: number, row: Row) => void,
  ): void {
    const recordHashValue = recordHash(record, this.schema);
    const withLineage = (row: Row): Row => {
      row._batch_id = lineage.batchId;
      row._extracted_at = lineage.extractedAtMicros;
      row._source_key = lineage.sourceKey;
      row._record_hash = recordHashValue;
      return row;
    };
    const mainRow: Row = {};
    for (const column of this.tables[0]!.columns)
      mainRow[column.name] = cellValue(column, readPathParts(record, column.path));
    emit(0, withLineage(mainRow));

    for (let tableIndex = 1; tableIndex < this.tables.length; tableIndex += 1) {
      const child = this.tables[tableIndex]!;
      const items = readPathParts(record, child.arrayPath ?? []);
      if (!Array.isArray(items)) continue;
      for (let index = 0; index < items.length; index += 1) {
        const row: Row = {};
        for (const key of this.parentKey) row[parentKeyColumnName(key.name)] = mainRow[key.name];
        row._list_index = BigInt(index);
        for (const column of child.columns)
          row[column.name] = cellValue(column, readPathParts(items[index], column.path));
        emit(tableIndex, withLineage(row));
      }
    }
  }
}
