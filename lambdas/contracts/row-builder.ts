import { readPathParts } from '../shared/json-path';
import { recordHash } from './canonical-json';
import { ExactNumbers, NO_ROUNDED_INTEGERS } from '../shared/exact-json';
import { RecordRejection } from './record-limits';
import { ColumnSpec, JsonSchemaNode, parentKeyColumnName, primaryKeyColumns, TableSpec } from './table-spec';

export type Row = Record<string, unknown>;

/** Lineage every row of one raw page carries: which batch, when extracted, from which raw object. */
export interface PageLineage {
  batchId: string;
  /** When extract fetched the page, in microseconds since the epoch (the Parquet timestamp unit). */
  extractedAtMicros: bigint;
  sourceKey: string;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
/** Parquet DATE is days since the epoch in an INT32. */
const INT32_DAYS = 2 ** 31 - 1;
const DAY_MS = 86_400_000;

/** A column's field as a reason names it. */
const fieldOf = (column: ColumnSpec) => column.path.join('.');

const outOfRange = (field: string, expected: string, actual: unknown) =>
  new RecordRejection({ field, rule: 'out_of_range', expected, actual });

/**
 * A checked value in the form the Parquet writer takes for the column's type, proven encodable here,
 * per record: a value the writer would refuse later would fail a whole row group of other records.
 * An integer the parse had to round is written from its literal text (exactly) or refused.
 */
function cellValue(
  column: ColumnSpec,
  holder: unknown,
  exact: ExactNumbers,
  used: { count: number },
): unknown {
  const key = column.path.at(-1);
  const value =
    key === undefined
      ? holder
      : holder !== null && typeof holder === 'object' && Object.hasOwn(holder, key)
        ? (holder as Record<string, unknown>)[key]
        : undefined;
  if (value === undefined || value === null) return null;
  switch (column.type) {
    case 'integer': {
      if (Number.isSafeInteger(value)) return BigInt(value as number);
      const literal =
        key !== undefined && holder !== null && typeof holder === 'object'
          ? exact.textOf(holder, key)
          : undefined;
      if (literal === '')
        throw outOfRange(
          fieldOf(column),
          'an integer within ±2^53: the exact digits of this one could not be read (its page nests thousands of levels deep)',
          value,
        );
      if (literal !== undefined) used.count += 1;
      const integer = BigInt(literal ?? (value as number));
      if (integer < INT64_MIN || integer > INT64_MAX)
        throw outOfRange(
          fieldOf(column),
          'an integer Parquet INT64 holds (−2^63 … 2^63 − 1); have the API send it as a string',
          literal ?? String(integer),
        );
      return integer;
    }
    case 'string':
      if (!(value as string).isWellFormed())
        throw new RecordRejection({
          field: fieldOf(column),
          rule: 'invalid_unicode',
          expected: 'well-formed Unicode text',
          actual: 'a lone surrogate (\\uD800–\\uDFFF)',
        });
      return value;
    case 'timestamp': {
      const ms = Date.parse(value as string);
      if (!Number.isFinite(ms))
        throw outOfRange(fieldOf(column), 'a timestamp JavaScript can represent', value);
      return BigInt(ms) * 1000n;
    }
    case 'date': {
      const ms = Date.parse(value as string);
      if (!Number.isFinite(ms) || Math.abs(ms / DAY_MS) > INT32_DAYS)
        throw outOfRange(fieldOf(column), 'a date Parquet DATE holds', value);
      return new Date(ms);
    }
    case 'json':
      return JSON.stringify(value);
    default:
      return value;
  }
}

/** The literal of the rounded integer at `path` of `record`, for a reason. */
function literalAt(record: unknown, path: readonly string[], exact: ExactNumbers): string | undefined {
  const holder = readPathParts(record, path, path.length - 1);
  return holder !== null && typeof holder === 'object' ? exact.textOf(holder, path.at(-1)!) : undefined;
}

/** The object holding a column's value (its record, or a nested object on its path). */
const holderOf = (record: unknown, column: ColumnSpec): unknown =>
  readPathParts(record, column.path, column.path.length - 1);

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

  /**
   * The rows of one record, each with the index of its table in `tables` (0: the resource's own).
   * Throws a RecordRejection, before any row leaves, when a value cannot be written as it is.
   */
  build(
    record: Record<string, unknown>,
    lineage: PageLineage,
    exact: ExactNumbers = NO_ROUNDED_INTEGERS,
  ): Array<{ tableIndex: number; row: Row }> {
    const rows: Array<{ tableIndex: number; row: Row }> = [];
    const used = { count: 0 };
    const recordHashValue = recordHash(record, this.schema, exact);
    const withLineage = (row: Row): Row => {
      row._batch_id = lineage.batchId;
      row._extracted_at = lineage.extractedAtMicros;
      row._source_key = lineage.sourceKey;
      row._record_hash = recordHashValue;
      return row;
    };
    // Plain objects are safe for rows: column names are normalized (columnName), so none is
    // `__proto__`, and a `constructor` column is assigned as an own property like any other.
    const mainRow: Row = {};
    for (const column of this.tables[0]!.columns)
      mainRow[column.name] = cellValue(column, holderOf(record, column), exact, used);
    rows.push({ tableIndex: 0, row: withLineage(mainRow) });

    for (let tableIndex = 1; tableIndex < this.tables.length; tableIndex += 1) {
      const child = this.tables[tableIndex]!;
      const items = readPathParts(record, child.arrayPath ?? []);
      if (!Array.isArray(items)) continue;
      for (let index = 0; index < items.length; index += 1) {
        const row: Row = {};
        for (const key of this.parentKey) row[parentKeyColumnName(key.name)] = mainRow[key.name];
        row._list_index = BigInt(index);
        for (const column of child.columns)
          row[column.name] = cellValue(column, holderOf(items[index], column), exact, used);
        rows.push({ tableIndex, row: withLineage(row) });
      }
    }
    // A rounded integer that no INT64 column took (a DOUBLE, a JSON text) would be stored rounded.
    const rounded = exact.roundedIn(record);
    if (rounded && rounded.count > used.count)
      throw outOfRange(
        rounded.firstPath.join('.'),
        'an integer within ±2^53, or a field the contract types "integer" (INT64, kept exactly)',
        literalAt(record, rounded.firstPath, exact) || 'an integer a double would round',
      );
    return rows;
  }
}
