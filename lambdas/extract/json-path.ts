/**
 * Dotted paths into parsed JSON (`data.items`, `meta.next_cursor`); `''` or `$` is the document itself.
 * Deliberately small: source configs only ever point at one value, never filter.
 */
export function readPath(document: unknown, path: string): unknown {
  if (path === '' || path === '$') return document;
  let current: unknown = document;
  for (const part of path.replace(/^\$\./, '').split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}
