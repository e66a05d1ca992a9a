/**
 * Paths into parsed JSON. Dotted (`data.items`, `meta.next_cursor`; `''` or `$` is the document) where
 * a source config or a reason names a place, and as parts where a column keeps its record path.
 * Deliberately small: they only ever point at one value, never filter.
 */
export function readPath(document: unknown, path: string): unknown {
  if (path === '' || path === '$') return document;
  return readPathParts(document, path.replace(/^\$\./, '').split('.'));
}

/** The value at `parts` (or at its first `end` parts: a value's holder is at `parts.length - 1`). */
export function readPathParts(document: unknown, parts: readonly string[], end = parts.length): unknown {
  let current: unknown = document;
  for (let index = 0; index < end; index += 1) {
    const part = parts[index]!;
    // Own properties only: a field named `constructor` or `__proto__` is data, never Object.prototype.
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, part)) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}
