import { hash } from 'node:crypto';
import type { JsonSchemaNode } from './table-spec';
import { ExactNumbers, NO_ROUNDED_INTEGERS } from '../shared/exact-json';

/** Object keys as they appear in canonical JSON (`"key":`), computed once per distinct key. */
const quotedKeys = new Map<string, string>();

function quotedKey(key: string): string {
  let quoted = quotedKeys.get(key);
  if (quoted === undefined) {
    quoted = `${JSON.stringify(key)}:`;
    if (quotedKeys.size < 10_000) quotedKeys.set(key, quoted);
  }
  return quoted;
}

/** The order of an object's keys in canonical JSON: the contract's, then the keys it does not name, sorted. */
function keyOrder(object: Record<string, unknown>, node: JsonSchemaNode | undefined): string[] {
  const declared = node?.properties ? Object.keys(node.properties) : [];
  if (!declared.length) return Object.keys(object).sort();
  // Own properties only: a record's `constructor` is data, not Object.prototype's.
  const keys = declared.filter((key) => Object.hasOwn(object, key) && object[key] !== undefined);
  if (keys.length === Object.keys(object).length) return keys;
  return [
    ...keys,
    ...Object.keys(object)
      .filter((key) => !Object.hasOwn(node!.properties!, key))
      .sort(),
  ];
}

/** The schema node of a property, own properties only. */
const propertyNode = (node: JsonSchemaNode | undefined, key: string): JsonSchemaNode | undefined =>
  node?.properties && Object.hasOwn(node.properties, key) ? node.properties[key] : undefined;

/** A number as canonical JSON writes it: the literal for an integer the parse rounded. */
function numberText(value: number, holder: object, key: string, exact: ExactNumbers): string {
  if (!Number.isFinite(value)) return 'null';
  // Only an integer beyond 2^53 can have been rounded by the parse.
  if (!Number.isInteger(value) || Number.isSafeInteger(value)) return String(value);
  return exact.textOf(holder, key) || String(value);
}

/**
 * Compact JSON with keys in a fixed order at every level (the contract's order, then unknown keys
 * sorted): equal records give equal text whatever order their keys arrived in. The contract's order
 * rather than plain sorting because a compact record whose keys arrive in that order is already its
 * own canonical text, so validate's DuckDB path hashes the record's text as it is (fast-path/acceptance-sql.ts).
 */
export function canonicalJson(
  value: unknown,
  node?: JsonSchemaNode,
  exact: ExactNumbers = NO_ROUNDED_INTEGERS,
): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      break;
    default:
      return 'null';
  }
  if (Array.isArray(value)) {
    let text = '[';
    for (let index = 0; index < value.length; index += 1) {
      if (index > 0) text += ',';
      const item: unknown = value[index];
      text +=
        item === undefined
          ? 'null'
          : typeof item === 'number'
            ? numberText(item, value, String(index), exact)
            : canonicalJson(item, node?.items, exact);
    }
    return `${text}]`;
  }
  const object = value as Record<string, unknown>;
  let text = '{';
  let first = true;
  for (const key of keyOrder(object, node)) {
    const item = object[key];
    if (item === undefined) continue;
    if (!first) text += ',';
    first = false;
    text +=
      quotedKey(key) +
      (typeof item === 'number'
        ? numberText(item, object, key, exact)
        : canonicalJson(item, propertyNode(node, key), exact));
  }
  return `${text}}`;
}

/**
 * `_record_hash`: MD5 (hex) of the record's canonical JSON. It identifies a version of a record for
 * the warehouse's merge, it is not a security control; MD5 because DuckDB computes it at a third of
 * SHA-256's cost (docs/benchmarks.md) and both validate paths must compute the same function.
 */
export function recordHash(record: unknown, schema?: JsonSchemaNode, exact?: ExactNumbers): string {
  return hash('md5', canonicalJson(record, schema, exact));
}
