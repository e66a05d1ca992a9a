import type { Contract } from './contract';
import { jsonTypeOf, Reason, reasonsFrom, shown } from './reasons';
import { ColumnSpec, ColumnType, EXTRA_COLUMN, JsonSchemaNode, TableSpec } from './table-spec';
import { nestedColumnName } from './column-names';
import { readPathParts } from '../shared/json-path';
import { ExactNumbers, NO_ROUNDED_INTEGERS } from '../shared/exact-json';

export type CheckOutcome =
  | { accepted: true; record: Record<string, unknown>; discardedFields: string[] }
  | { accepted: false; reasons: Reason[] };

/**
 * Applies one resource's contract to one record: excluded fields go, unknown fields are handled by the
 * contract's mode (evolve adds a column to `table`, which the caller sees change), then the JSON Schema
 * decides. Nothing is coerced: a value of the wrong type is a reason, never a conversion.
 */
export class RecordChecker {
  constructor(
    private readonly contract: Contract,
    /** The main table; evolve mode adds columns to it. */
    private readonly table: TableSpec,
  ) {}

  check(raw: unknown, exact: ExactNumbers = NO_ROUNDED_INTEGERS): CheckOutcome {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      return {
        accepted: false,
        reasons: [{ field: '', rule: 'type', expected: 'object', actual: jsonTypeOf(raw) }],
      };
    }
    const kept = withoutPaths(
      raw as Record<string, unknown>,
      this.contract.exclude.map((field) => field.split('.')),
      exact,
    );
    const unknown = unknownFields(kept, this.contract.schema, []);
    const discardedFields: string[] = [];
    const reasons: Reason[] = [];
    /** Unknown fields leaving the record (discard_value, keep_extra): from a copy, so a reject keeps them. */
    const removed: string[][] = [];
    let extra: Record<string, unknown> | undefined;

    for (const { path, value } of unknown) {
      const field = path.join('.');
      switch (this.contract.mode) {
        case 'freeze':
          reasons.push({
            field,
            rule: 'unknown_field',
            expected: 'a field the contract names (mode freeze)',
            actual: shown(value),
          });
          break;
        case 'discard_row':
          reasons.push({
            field,
            rule: 'unknown_field',
            expected: 'a field the contract names (mode discard_row)',
            actual: shown(value),
          });
          break;
        case 'discard_value':
          removed.push(path);
          discardedFields.push(field);
          break;
        case 'evolve': {
          const problem = this.evolve(path, value);
          if (problem) reasons.push(problem);
          break;
        }
        case 'keep_extra':
          removed.push(path);
          setPath((extra ??= {}), path, value);
          break;
      }
    }
    const record = withoutPaths(kept, removed, exact);
    if (!this.contract.validate(record))
      reasons.push(...reasonsFrom(this.contract.validate.errors ?? [], record));
    if (reasons.length) return { accepted: false, reasons };
    // After the schema has judged the declared fields: the extras are kept, never judged.
    if (extra) setPath(record, EXTRA_COLUMN.path, extra);
    return { accepted: true, record, discardedFields };
  }

  /** An unknown field becomes a column typed by its first non-null value; later values must match it. */
  private evolve(path: string[], value: unknown): Reason | undefined {
    const name = nestedColumnName(path);
    const existing = this.table.columns.find((column) => column.name === name);
    const actualType = inferredType(value);
    if (existing) {
      if (value === null || actualType === existing.type || existing.type === 'json') return undefined;
      return { field: path.join('.'), rule: 'type', expected: existing.type, actual: jsonTypeOf(value) };
    }
    if (value === null || value === undefined) return undefined; // nothing to type the column by yet
    const column: ColumnSpec = { name, path, type: actualType, nullable: true };
    this.table.columns.push(column);
    return undefined;
  }
}

function inferredType(value: unknown): ColumnType {
  switch (typeof value) {
    case 'string':
      return 'string';
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    default:
      return 'json';
  }
}

/** Fields the contract does not name, at any depth where the contract describes an object. */
function unknownFields(
  value: Record<string, unknown>,
  node: JsonSchemaNode,
  path: string[],
): Array<{ path: string[]; value: unknown }> {
  const found: Array<{ path: string[]; value: unknown }> = [];
  const properties = node.properties ?? {};
  for (const [field, fieldValue] of Object.entries(value)) {
    // Own properties only: `constructor` or `__proto__` in a record is an unknown field, not a known one.
    const child = Object.hasOwn(properties, field) ? properties[field] : undefined;
    if (!child) {
      found.push({ path: [...path, field], value: fieldValue });
    } else if (
      child.properties &&
      fieldValue !== null &&
      typeof fieldValue === 'object' &&
      !Array.isArray(fieldValue)
    ) {
      found.push(...unknownFields(fieldValue as Record<string, unknown>, child, [...path, field]));
    }
  }
  return found;
}

/**
 * The record without the fields at `paths` (excluded ones, discarded or extra ones): the objects on a
 * path are copied, so the record as parsed stays whole (a reject keeps every field as sent), and the
 * copies answer for the originals' exact integers.
 */
function withoutPaths(
  record: Record<string, unknown>,
  paths: ReadonlyArray<readonly string[]>,
  exact: ExactNumbers,
): Record<string, unknown> {
  if (!paths.length) return record;
  const copy = copyOf(record, exact);
  for (const path of paths) {
    let current = copy;
    for (const part of path.slice(0, -1)) {
      const child = Object.hasOwn(current, part) ? current[part] : undefined;
      if (child === null || typeof child !== 'object' || Array.isArray(child)) break;
      current = Object.defineProperty(current, part, {
        value: copyOf(child as Record<string, unknown>, exact),
      })[part] as Record<string, unknown>;
    }
    deletePath(copy, path);
  }
  return copy;
}

function copyOf(object: Record<string, unknown>, exact: ExactNumbers): Record<string, unknown> {
  const copy = { ...object };
  exact.alias(copy, object);
  return copy;
}

/** Sets `path` in `target`, making the objects on the way; own data properties, so `__proto__` is a key like any other. */
function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let current = target;
  for (const part of path.slice(0, -1)) {
    const next = Object.hasOwn(current, part) ? current[part] : undefined;
    if (next !== null && typeof next === 'object' && !Array.isArray(next))
      current = next as Record<string, unknown>;
    else current = ownProperty(current, part, {}) as Record<string, unknown>;
  }
  ownProperty(current, path.at(-1)!, value);
}

function ownProperty(target: object, key: string, value: unknown): unknown {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  return value;
}

function deletePath(record: Record<string, unknown>, path: readonly string[]): void {
  const current = readPathParts(record, path, path.length - 1);
  const last = path.at(-1)!;
  if (current !== null && typeof current === 'object' && Object.hasOwn(current, last))
    delete (current as Record<string, unknown>)[last];
}
