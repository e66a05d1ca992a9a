/** Words Snowflake reserves: a column named so would need quoting in every query, so it gets a suffix. */
const reserved = new Set([
  'all',
  'alter',
  'and',
  'any',
  'as',
  'between',
  'by',
  'case',
  'check',
  'column',
  'connect',
  'create',
  'current',
  'delete',
  'distinct',
  'drop',
  'else',
  'exists',
  'false',
  'following',
  'for',
  'from',
  'full',
  'grant',
  'group',
  'having',
  'ilike',
  'in',
  'increment',
  'insert',
  'intersect',
  'into',
  'is',
  'join',
  'like',
  'minus',
  'natural',
  'not',
  'null',
  'of',
  'on',
  'or',
  'order',
  'qualify',
  'regexp',
  'revoke',
  'right',
  'rlike',
  'row',
  'rows',
  'sample',
  'select',
  'set',
  'some',
  'start',
  'table',
  'tablesample',
  'then',
  'to',
  'trigger',
  'true',
  'try_cast',
  'union',
  'unique',
  'update',
  'using',
  'values',
  'when',
  'whenever',
  'where',
  'with',
]);

/**
 * One field name as a column: snake_case, ASCII letters, digits and `_`, starting with a letter, never a
 * reserved word. `countryCode` → `country_code`, `__v` → `v` (a leading `_` is kept for lineage columns).
 */
export function columnName(field: string): string {
  let name = field
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (name === '') name = 'field';
  if (/^[0-9]/.test(name)) name = `f_${name}`;
  return reserved.has(name) ? `${name}_` : name;
}

/** A nested field's column: each level normalized, joined with `__` (`rating.rate` → `rating__rate`). */
export function nestedColumnName(path: readonly string[]): string {
  return path.map(columnName).join('__');
}
