import { nestedColumnName } from './column-names';

/** The column types of the transformed layer, each with one Parquet and one warehouse type. */
export type ColumnType = 'string' | 'integer' | 'number' | 'boolean' | 'timestamp' | 'date' | 'json';

export interface ColumnSpec {
  /** Normalized column name. */
  name: string;
  /** Where the value is in the record, one entry per nesting level (the mapping kept in the schema). */
  path: string[];
  type: ColumnType;
  nullable: boolean;
}

export interface TableSpec {
  name: string;
  columns: ColumnSpec[];
  /** For a child table: the field holding the array in the parent record. */
  arrayPath?: string[];
}

/** The JSON Schema subset contracts use to describe a record's shape. */
export interface JsonSchemaNode {
  type?: string | string[];
  format?: string;
  properties?: Record<string, JsonSchemaNode>;
  items?: JsonSchemaNode;
  required?: string[];
  [keyword: string]: unknown;
}

export const lineageColumns: ColumnSpec[] = [
  { name: '_batch_id', path: [], type: 'string', nullable: false },
  { name: '_extracted_at', path: [], type: 'timestamp', nullable: false },
  { name: '_source_key', path: [], type: 'string', nullable: false },
  { name: '_record_hash', path: [], type: 'string', nullable: false },
];

/** Mode keep_extra's column: the record's undeclared fields, as one JSON object nested as they were. */
export const EXTRA_COLUMN: Readonly<ColumnSpec> = {
  name: '_extra',
  path: ['_extra'],
  type: 'json',
  nullable: true,
};

/** The columns of a table that hold the contract's primary key. */
export function primaryKeyColumns(table: TableSpec, primaryKey: readonly string[]): ColumnSpec[] {
  return table.columns.filter((column) => primaryKey.includes(column.path.join('.')));
}

/** A child row's copy of its parent's key column. */
export const parentKeyColumnName = (parentColumn: string) => `_parent_${parentColumn}`;

/** The columns a child table's rows carry to point at their parent row and their place in its list. */
export function childKeyColumns(parentKey: readonly ColumnSpec[]): ColumnSpec[] {
  return [
    ...parentKey.map((column) => ({
      ...column,
      name: parentKeyColumnName(column.name),
      path: [],
      nullable: false,
    })),
    { name: '_list_index', path: [], type: 'integer' as const, nullable: false },
  ];
}

/**
 * The columns a table's Parquet parts have, in order: a child table's parent key and list index
 * first, then its own columns, then the lineage. One definition for validate and the warehouse DDL.
 */
export function writtenColumns(
  table: TableSpec,
  mainTable: TableSpec,
  primaryKey: readonly string[],
): ColumnSpec[] {
  if (table === mainTable) return [...table.columns, ...lineageColumns];
  return [...childKeyColumns(primaryKeyColumns(mainTable, primaryKey)), ...table.columns, ...lineageColumns];
}

function typesOf(node: JsonSchemaNode): string[] {
  if (Array.isArray(node.type)) return node.type;
  return node.type ? [node.type] : [];
}

/** The column type a schema node maps to, from its JSON type and format. */
export function columnTypeOf(node: JsonSchemaNode): ColumnType {
  const types = typesOf(node).filter((type) => type !== 'null');
  if (types.length !== 1) return 'json';
  switch (types[0]) {
    case 'string':
      return node.format === 'date-time' ? 'timestamp' : node.format === 'date' ? 'date' : 'string';
    case 'integer':
      return 'integer';
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    default:
      return 'json';
  }
}

/**
 * Derives the tables of a resource from its contract: nested objects become `__`-joined columns,
 * arrays of objects child tables (`carts__products`), arrays of scalars a JSON column. Excluded fields
 * (a password the API sends) never become a column.
 */
export function tablesFromSchema(
  tableName: string,
  schema: JsonSchemaNode,
  exclude: readonly string[] = [],
): TableSpec[] {
  const main: TableSpec = { name: tableName, columns: [] };
  const children: TableSpec[] = [];

  const walk = (
    node: JsonSchemaNode,
    path: string[],
    nullableParent: boolean,
    table: TableSpec,
    required: string[],
  ) => {
    for (const [field, child] of Object.entries(node.properties ?? {})) {
      const childPath = [...path, field];
      if (exclude.includes(childPath.join('.'))) continue;
      const nullable = nullableParent || !required.includes(field) || typesOf(child).includes('null');
      const types = typesOf(child).filter((type) => type !== 'null');
      if (types.length === 1 && types[0] === 'object' && child.properties) {
        walk(child, childPath, nullable, table, child.required ?? []);
      } else if (
        types.length === 1 &&
        types[0] === 'array' &&
        child.items &&
        typesOf(child.items).includes('object')
      ) {
        const childTable: TableSpec = {
          name: `${tableName}__${nestedColumnName(childPath)}`,
          columns: [],
          arrayPath: childPath,
        };
        walk(child.items, [], false, childTable, child.items.required ?? []);
        children.push(childTable);
      } else {
        table.columns.push({
          name: nestedColumnName(childPath),
          path: childPath,
          type: columnTypeOf(child),
          nullable,
        });
      }
    }
  };
  walk(schema, [], false, main, schema.required ?? []);
  return [main, ...children];
}
