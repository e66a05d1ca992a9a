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

/** What a record (or a pushed event) may hold before anything recursive is allowed to touch it. */
export interface ValueLimits {
  /** Levels of objects and arrays. */
  maxDepth: number;
  /** Characters of one string (values and keys). */
  maxStringChars?: number;
  /** Keys of one object. */
  maxKeys?: number;
  /** Strings (values and keys) must be well-formed Unicode: a lone surrogate fits no UTF-8 file. */
  wellFormedText?: boolean;
}

const BATCH_LIMITS: ValueLimits = { maxDepth: MAX_RECORD_DEPTH };

/**
 * The first limit `value` breaks, as a reject reason naming where, found without recursion (an
 * explicit stack): a few KB of `[[[[…` must not overflow the checks meant to catch it.
 */
export function limitBreach(value: unknown, limits: ValueLimits = BATCH_LIMITS): Reason | undefined {
  const checksText = limits.maxStringChars !== undefined || limits.wellFormedText === true;
  if (typeof value === 'string') {
    const problem = checksText ? textProblem(value, limits) : undefined;
    return problem && { field: '', ...problem };
  }
  if (value === null || typeof value !== 'object') return undefined;
  // Each entry points at its parent: the path is only spelled out for a value that is refused.
  interface Level {
    value: object;
    depth: number;
    key?: string;
    parent?: Level;
  }
  const pathOf = (level: Level, key?: string) => {
    const path: string[] = key === undefined ? [] : [key];
    for (let step: Level | undefined = level; step?.key !== undefined; step = step.parent)
      path.push(step.key);
    return path.reverse().slice(0, 5);
  };
  const stack: Level[] = [{ value, depth: 1 }];
  for (let level = stack.pop(); level; level = stack.pop()) {
    if (level.depth > limits.maxDepth)
      return {
        field: pathOf(level).join('.'),
        rule: 'depth_limit',
        expected: `at most ${limits.maxDepth} levels of nesting`,
        actual: `more than ${limits.maxDepth} levels`,
      };
    const holder = level.value as Record<string, unknown>;
    let keys = 0;
    // for…in over a parsed JSON value sees exactly its own keys, without allocating an entries array.
    for (const key in holder) {
      keys += 1;
      if (limits.maxKeys !== undefined && keys > limits.maxKeys)
        return {
          field: pathOf(level).join('.'),
          rule: 'too_many_keys',
          expected: `at most ${limits.maxKeys} keys in one object`,
          actual: `more than ${limits.maxKeys}`,
        };
      const child = holder[key];
      if (checksText) {
        // The path is spelled out only for a breach: this runs for every key and string.
        const problem =
          (Array.isArray(holder) ? undefined : textProblem(key, limits, 'key')) ??
          (typeof child === 'string' ? textProblem(child, limits) : undefined);
        if (problem) return { field: pathOf(level, key).join('.'), ...problem };
      }
      if (child !== null && typeof child === 'object')
        stack.push({ value: child, depth: level.depth + 1, key, parent: level });
    }
  }
  return undefined;
}

function textProblem(
  text: string,
  limits: ValueLimits,
  what: 'value' | 'key' = 'value',
): Omit<Reason, 'field'> | undefined {
  if (limits.maxStringChars !== undefined && text.length > limits.maxStringChars)
    return {
      rule: 'length',
      expected: `a ${what} of at most ${limits.maxStringChars} chars`,
      actual: `${text.length} chars`,
    };
  if (limits.wellFormedText && !text.isWellFormed())
    return {
      rule: 'invalid_unicode',
      expected: `a ${what} of well-formed Unicode text`,
      actual: 'a lone surrogate (\\uD800–\\uDFFF)',
    };
  return undefined;
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
