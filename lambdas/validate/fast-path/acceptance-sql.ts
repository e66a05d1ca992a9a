import type { Contract } from '../../contracts/contract';
import { ColumnSpec, JsonSchemaNode, TableSpec } from '../../contracts/table-spec';
import { duckdbTypes, sqlName, sqlString } from '../../shared/sql-text';

/**
 * The SQL that lets DuckDB do validate's work for the records it can prove the contract accepts.
 *
 * The proof is textual: each record is read as its JSON text and as the contract's fields (as text),
 * and DuckDB rebuilds the record from those fields, compact and in the contract's key order. When the
 * rebuilt text equals the record's text, the record has exactly the contract's keys (no unknown
 * field, none missing), every value has the JSON type the contract names (a string where a number
 * belongs is quoted in the record but not in the rebuild), no string needs escaping, and the text
 * is the record's canonical JSON, so its MD5 is `_record_hash`. On top come the value checks
 * (lengths, patterns, enums, ranges, formats), each written so that passing it implies ajv's
 * verdict. A record that fails any of this is not rejected here: it goes to the JavaScript path,
 * which decides with ajv and writes the reasons. So the fast path changes how fast, never what.
 */
export interface FastPathPlan {
  /** `from_json` structure: every field of the contract as VARCHAR (arrays as JSON). */
  structure: string;
  /**
   * Typed values (timestamps, numbers) computed once per record beside `json` and `f`, for the
   * checks and the columns to read: each would otherwise be parsed by every expression naming it.
   */
  typed: Array<{ alias: string; expression: string }>;
  /** True when the record is proven acceptable; reads `json` (its text), `f` (its fields) and `typed`. */
  accepted: string;
  /** The written columns of the resource's table, in order, lineage excluded (the caller adds it). */
  columns: Array<{ name: string; expression: string }>;
  /** The records path as parts; empty for a page that is an array of records. */
  recordsPath: string[];
}

export type FastPathDecision = { plan: FastPathPlan } | { ineligible: string };

/** Keywords whose meaning the fast path reproduces (or that carry no meaning for validation). */
const supportedKeywords = new Set([
  'type',
  'properties',
  'required',
  'items',
  'enum',
  'minLength',
  'maxLength',
  'pattern',
  'format',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'x-notFuture',
  'x-pipeline',
  'title',
  'description',
  '$comment',
  'examples',
  '$schema',
  '$id',
]);

/**
 * Patterns both JavaScript (`u` flag) and RE2 read alike: literals, classes, groups, alternation,
 * quantifiers, anchors and the escapes `\d`, `\.`, `\-`. No `.`, `\w`, `\s` or look-arounds, where
 * the two engines differ.
 */
const portablePattern = /^(?:[A-Za-z0-9_ ,:\-^$()|?*+{}[\]]|\\[.d-])*$/;

/** ajv-formats' `date-time`, narrowed to the shape `toISOString` writes (other shapes take the JS path). */
const isoTimestamp =
  '\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])T([01]\\d|2[0-3]):[0-5]\\d:[0-5]\\d\\.\\d{3}Z';
const isoDate = '\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])';

const typesOf = (node: JsonSchemaNode) =>
  (Array.isArray(node.type) ? node.type : node.type ? [node.type] : []) as string[];

class Ineligible extends Error {}

function refuse(path: string[], why: string): never {
  throw new Ineligible(`${path.join('.') || '(record)'}: ${why}`);
}

/** The one non-null JSON type of a node, and whether null is allowed. */
function jsonType(node: JsonSchemaNode, path: string[]): { type: string; nullable: boolean } {
  const types = typesOf(node);
  const nonNull = types.filter((type) => type !== 'null');
  if (nonNull.length !== 1) refuse(path, `type ${JSON.stringify(node.type)} is not one JSON type`);
  for (const keyword of Object.keys(node))
    if (!supportedKeywords.has(keyword)) refuse(path, `keyword ${keyword} has no fast-path form`);
  return { type: nonNull[0]!, nullable: types.includes('null') };
}

interface Compiled {
  structure: unknown;
  /** The value's compact JSON text rebuilt from its VARCHAR form, as pieces to concatenate. */
  pieces: string[];
  /** Conditions that hold only if ajv accepts the value. */
  checks: string[];
}

/** Names each distinct typed value once (`_t0`, `_t1`, …). */
class TypedValues {
  readonly entries: Array<{ alias: string; expression: string }> = [];
  of(expression: string): string {
    let entry = this.entries.find((known) => known.expression === expression);
    if (!entry) {
      entry = { alias: `_t${this.entries.length}`, expression };
      this.entries.push(entry);
    }
    return entry.alias;
  }
}

function compileNode(
  node: JsonSchemaNode,
  access: string,
  path: string[],
  now: Date,
  typed: TypedValues,
): Compiled {
  const { type, nullable } = jsonType(node, path);
  const checks: string[] = [];
  const valueChecks: string[] = [];
  let structure: unknown = 'VARCHAR';
  let pieces: string[];
  switch (type) {
    case 'object': {
      if (!node.properties) refuse(path, 'an object without properties');
      const parts: string[] = [];
      const fields: Record<string, unknown> = {};
      for (const [index, [key, child]] of Object.entries(node.properties).entries()) {
        const compiled = compileNode(child, `${access}.${sqlName(key)}`, [...path, key], now, typed);
        fields[key] = compiled.structure;
        parts.push(sqlString(`${index ? ',' : '{'}${JSON.stringify(key)}:`), ...compiled.pieces);
        valueChecks.push(...compiled.checks);
      }
      parts.push(sqlString('}'));
      structure = fields;
      // A non-null object's pieces join its parent's: one concat per record, not one per object.
      // (Were it null after all, its fields would read `null` where the record says `null` once.)
      pieces = nullable
        ? [`CASE WHEN ${access} IS NULL THEN 'null' ELSE concat(${parts.join(', ')}) END`]
        : parts;
      break;
    }
    case 'array': {
      const items = node.items ?? {};
      const itemType = jsonType(items, [...path, '[]']);
      const extra = Object.keys(items).filter((k) => !['type', 'minLength', 'maxLength'].includes(k));
      if (itemType.type !== 'string' || itemType.nullable || extra.length)
        refuse(path, 'only arrays of plain strings have a fast-path form');
      const min = (items.minLength as number | undefined) ?? 0;
      const max = items.maxLength as number | undefined;
      // RE2 refuses repetitions above 1,000.
      if (min > 1000 || (max ?? 0) > 1000) refuse(path, 'item lengths above 1,000 characters');
      // Compact text of an array of strings none of which needs escaping; lengths in code points.
      const item = `"[^"\\\\\\x00-\\x1f]{${min},${max ?? ''}}"`;
      structure = 'JSON';
      pieces = [`coalesce(${access}, 'null')`];
      valueChecks.push(`regexp_full_match(${access}, ${sqlString(`\\[(${item}(,${item})*)?\\]`)})`);
      break;
    }
    case 'string': {
      pieces = [`coalesce('"' || ${access} || '"', 'null')`];
      if (node.minLength !== undefined) valueChecks.push(`length(${access}) >= ${Number(node.minLength)}`);
      // Bytes bound code points from above: within maxLength in bytes is within it in characters.
      if (node.maxLength !== undefined) valueChecks.push(`strlen(${access}) <= ${Number(node.maxLength)}`);
      if (node.pattern !== undefined) {
        if (!portablePattern.test(String(node.pattern)))
          refuse(path, `pattern ${String(node.pattern)} may read differently in RE2`);
        valueChecks.push(`regexp_matches(${access}, ${sqlString(String(node.pattern))})`);
      }
      if (node.enum !== undefined) {
        if (!(node.enum as unknown[]).every((value) => typeof value === 'string'))
          refuse(path, 'an enum of other than strings');
        // An OR of equalities: DuckDB plans a long IN list as a join.
        valueChecks.push(
          `(${(node.enum as string[]).map((value) => `${access} = ${sqlString(value)}`).join(' OR ')})`,
        );
      }
      if (node.format === 'date-time') {
        const timestamp = typed.of(timestampOf(access));
        valueChecks.push(
          `regexp_full_match(${access}, ${sqlString(isoTimestamp)})`,
          `${timestamp} IS NOT NULL`,
        );
        if (node['x-notFuture'])
          valueChecks.push(`${timestamp} <= ${sqlString(now.toISOString())}::TIMESTAMPTZ`);
      } else if (node.format === 'date') {
        const date = typed.of(dateOf(access));
        valueChecks.push(`regexp_full_match(${access}, ${sqlString(isoDate)})`, `${date} IS NOT NULL`);
        if (node['x-notFuture'])
          valueChecks.push(`${date} <= ${sqlString(now.toISOString().slice(0, 10))}::DATE`);
      } else if (node.format !== undefined) {
        refuse(path, `format ${String(node.format)} has no fast-path form`);
      } else if (node['x-notFuture']) {
        refuse(path, 'x-notFuture on a string without a date format');
      }
      break;
    }
    case 'integer':
    case 'number': {
      pieces = [`coalesce(${access}, 'null')`];
      const value = typed.of(type === 'integer' ? integerOf(access) : numberOf(access));
      // Plain decimals, and whole numbers JavaScript holds exactly: DuckDB and JavaScript write
      // those digit for digit alike (both the shortest text that reads back), so the record's text is
      // also what JSON.stringify gives. Exponents, `1.0` and longer whole numbers take the JS path.
      valueChecks.push(`${value} IS NOT NULL`);
      if (type === 'integer') valueChecks.push(`strlen(${access}) <= 15`, `${value}::VARCHAR = ${access}`);
      else
        valueChecks.push(
          `(contains(${access}, '.') OR strlen(${access}) <= 15)`,
          `NOT contains(${access}, 'e')`,
          `NOT contains(${access}, 'E')`,
          `NOT suffix(${access}, '.0')`,
        );
      const bounds: Array<[string, string]> = [
        ['minimum', '>='],
        ['maximum', '<='],
        ['exclusiveMinimum', '>'],
        ['exclusiveMaximum', '<'],
      ];
      for (const [keyword, operator] of bounds)
        if (node[keyword] !== undefined) valueChecks.push(`${value} ${operator} ${Number(node[keyword])}`);
      if (node['x-notFuture']) valueChecks.push(`${value} <= ${now.getUTCFullYear()}`);
      if (node.enum !== undefined) refuse(path, 'an enum of numbers');
      break;
    }
    case 'boolean':
      pieces = [`coalesce(${access}, 'null')`];
      valueChecks.push(`${access} IN ('true', 'false')`);
      break;
    default:
      refuse(path, `type ${type}`);
  }
  if (!nullable) checks.push(`${access} IS NOT NULL`);
  if (valueChecks.length) {
    const all = valueChecks.join(' AND ');
    checks.push(nullable ? `(${access} IS NULL OR (${all}))` : all);
  }
  return { structure, pieces, checks };
}

// The cast reads the shape the check's pattern admits (UTC, the session's time zone) and rejects
// impossible dates; the pattern keeps out what the cast would accept beyond RFC 3339.
const timestampOf = (access: string) => `try_cast(${access} AS TIMESTAMPTZ)`;
const dateOf = (access: string) => `try_cast(${access} AS DATE)`;
const integerOf = (access: string) => `try_cast(${access} AS BIGINT)`;
const numberOf = (access: string) => `try_cast(${access} AS DOUBLE)`;

function columnExpression(column: ColumnSpec, schema: JsonSchemaNode, typed: TypedValues): string {
  let node: JsonSchemaNode | undefined = schema;
  for (const part of column.path) node = node?.properties?.[part];
  // A column evolution added (no field in the contract): a proven record has no such field.
  if (!node) return `NULL::${duckdbTypes[column.type]}`;
  const access = ['f', ...column.path.map(sqlName)].join('.');
  switch (column.type) {
    case 'timestamp':
      return typed.of(timestampOf(access));
    case 'date':
      return typed.of(dateOf(access));
    case 'integer':
      return typed.of(integerOf(access));
    case 'number':
      return typed.of(numberOf(access));
    case 'boolean':
      return `${access} = 'true'`;
    case 'json':
      return `${access}::VARCHAR`;
    default:
      return access;
  }
}

/**
 * The fast path for one resource, or why it has none (then every record takes the JavaScript path):
 * a child table, excluded fields, or a keyword, type or format without a provably equal SQL form.
 */
export function planFastPath(
  contract: Contract,
  /** The resource's table (with columns evolution added), then its child tables. */
  tables: readonly TableSpec[],
  recordsPath: string,
  now: Date,
): FastPathDecision {
  const [mainTable] = tables as [TableSpec, ...TableSpec[]];
  try {
    if (tables.length > 1) refuse([], `child table ${tables[1]!.name}`);
    if (contract.exclude.length) refuse([], `excluded fields ${contract.exclude.join(', ')}`);
    if (!/^(?:[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)?$/.test(recordsPath))
      refuse([], `records path ${recordsPath}`);
    const typed = new TypedValues();
    const compiled = compileNode(contract.schema, 'f', [], now, typed);
    const columns = mainTable.columns.map((column) => ({
      name: column.name,
      expression: columnExpression(column, contract.schema, typed),
    }));
    return {
      plan: {
        structure: JSON.stringify(compiled.structure),
        typed: typed.entries,
        accepted: `coalesce(json = concat(${compiled.pieces.join(', ')}) AND ${compiled.checks.join(' AND ')}, false)`,
        columns,
        recordsPath: recordsPath ? recordsPath.split('.') : [],
      },
    };
  } catch (error) {
    if (error instanceof Ineligible) return { ineligible: error.message };
    throw error;
  }
}
