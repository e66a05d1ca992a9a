import type { Reason } from './reasons';

/**
 * The deepest a record may nest (objects and arrays) to be checked, flattened and written. Deeper
 * records are rejected (`depth_limit`) before anything recursive touches them: a few KB of `[[[[…`
 * would otherwise overflow the stack of every recursive walker and fail the whole resource. 100 is
 * far beyond any API's real records and well inside what JSON.stringify and the walkers survive.
 */
export const MAX_RECORD_DEPTH = 100;

/** One record cannot be written as it is; it becomes a reject with this reason, never a failed run. */
export class RecordRejection extends Error {
  constructor(readonly reason: Reason) {
    super(`${reason.field || '(record)'}: ${reason.rule}`);
  }
}

/** The path to where `value` first nests deeper than `limit`, found without recursion; else undefined. */
export function pathBeyondDepth(value: unknown, limit = MAX_RECORD_DEPTH): string[] | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  // Each entry points at its parent: the path is only spelled out for a record that is refused.
  interface Level {
    value: object;
    depth: number;
    key?: string;
    parent?: Level;
  }
  const stack: Level[] = [{ value, depth: 1 }];
  for (let level = stack.pop(); level; level = stack.pop()) {
    if (level.depth > limit) {
      const path: string[] = [];
      for (let step: Level | undefined = level; step?.key !== undefined; step = step.parent)
        path.push(step.key);
      return path.reverse().slice(0, 5);
    }
    const holder = level.value as Record<string, unknown>;
    // for…in over a parsed JSON value sees exactly its own keys, without allocating an entries array.
    for (const key in holder) {
      const child = holder[key];
      if (child !== null && typeof child === 'object')
        stack.push({ value: child, depth: level.depth + 1, key, parent: level });
    }
  }
  return undefined;
}

/** The reject of a record nested too deep, naming the field where it starts. */
export function depthLimitReason(path: readonly string[]): Reason {
  return {
    field: path.join('.'),
    rule: 'depth_limit',
    expected: `at most ${MAX_RECORD_DEPTH} levels of nesting`,
    actual: `more than ${MAX_RECORD_DEPTH} levels`,
  };
}

/** The reject of a record that failed in a way no rule names: the error, so it can be reported. */
export function unprocessableReason(error: unknown): Reason {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return {
    field: '',
    rule: 'unprocessable',
    expected: 'a record validate can check, flatten, hash and encode',
    actual: message.slice(0, 300),
  };
}

/**
 * A record as a reject file can hold it: levels beyond the limit become a note (the whole record stays
 * in the raw page named beside it). Recursion is safe here: it stops at the limit.
 */
export function rejectableRecord(value: unknown, depth = 1): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (depth > MAX_RECORD_DEPTH) return `(deeper than ${MAX_RECORD_DEPTH} levels: see the raw page)`;
  if (Array.isArray(value)) return value.map((item) => rejectableRecord(item, depth + 1));
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value))
    Object.defineProperty(copy, key, {
      value: rejectableRecord(item, depth + 1),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  return copy;
}
