/**
 * JSON whose integers stay exact. `JSON.parse` rounds an integer literal beyond 2^53 to the nearest
 * double (`9007199254740993` becomes `…992`) without a word; this parse keeps the literal's text for
 * every such integer, so a writer can store it exactly (an INT64 column holds up to 2^63 − 1) or
 * refuse it, but never round it. The values in the document are unchanged: what is kept is looked up
 * by the object (or array) holding the value and its key.
 */
export class ExactNumbers {
  private readonly literals = new WeakMap<object, Map<string, string>>();
  /** Per object, how many rounded literals it holds at any depth, and the path to the first one. */
  private readonly inside = new WeakMap<object, { count: number; firstPath: string[] }>();
  private readonly aliases = new WeakMap<object, object>();

  /** The literal text of the integer at `holder[key]`, when parsing rounded it. */
  textOf(holder: object, key: string): string | undefined {
    return this.literals.get(this.aliases.get(holder) ?? holder)?.get(key);
  }

  /** Rounded integers at any depth of `value`, and where the first one is. */
  roundedIn(value: object): { count: number; firstPath: string[] } | undefined {
    return this.inside.get(this.aliases.get(value) ?? value);
  }

  /** A copy of `original` (an excluded field removed) answers for the original's literals. */
  alias(copy: object, original: object): void {
    this.aliases.set(copy, this.aliases.get(original) ?? original);
  }

  /** @internal for the parser */
  mark(holder: object, key: string, literal: string): void {
    let keys = this.literals.get(holder);
    if (!keys) this.literals.set(holder, (keys = new Map()));
    keys.set(key, literal);
    this.note(holder, key, { count: 1, firstPath: [] });
  }

  /** @internal for the parser: a child object's rounded literals count for its holder too. */
  propagate(holder: object, key: string, child: object): void {
    const found = this.inside.get(child);
    if (found) this.note(holder, key, found);
  }

  private note(holder: object, key: string, found: { count: number; firstPath: string[] }): void {
    const current = this.inside.get(holder);
    if (current) current.count += found.count;
    else this.inside.set(holder, { count: found.count, firstPath: [key, ...found.firstPath] });
  }
}

/**
 * For a page too deep for `JSON.parse`'s reviver (it recurses: a few thousand levels overflow it):
 * every integer beyond 2^53 counts as rounded with its literal unknown, so it is refused, never kept
 * wrong. Found by iterative scans, on demand.
 */
class UnknownLiterals extends ExactNumbers {
  override textOf(holder: object, key: string): string | undefined {
    const value: unknown = Object.hasOwn(holder, key) ? (holder as Record<string, unknown>)[key] : undefined;
    return isUnsafeInteger(value) ? '' : undefined;
  }

  override roundedIn(value: object): { count: number; firstPath: string[] } | undefined {
    let found: { count: number; firstPath: string[] } | undefined;
    const stack: Array<{ value: object; path: string[] }> = [{ value, path: [] }];
    for (let item = stack.pop(); item; item = stack.pop()) {
      for (const [key, child] of Object.entries(item.value)) {
        const path = item.path.length < 5 ? [...item.path, key] : item.path;
        if (isUnsafeInteger(child)) {
          if (found) found.count += 1;
          else found = { count: 1, firstPath: path };
        } else if (child !== null && typeof child === 'object') stack.push({ value: child, path });
      }
    }
    return found;
  }

  override alias(): void {}
}

const isUnsafeInteger = (value: unknown): boolean =>
  typeof value === 'number' && Number.isInteger(value) && !Number.isSafeInteger(value);

/** No literal rounds: the answer for text without an integer of 16 digits or more (2^53 has 16). */
export const NO_ROUNDED_INTEGERS = new ExactNumbers();
/** 16 digits or more, not the fraction or mantissa of a decimal (`0.1234567890123456` is a plain double). */
const LONG_INTEGER = /(?<![\d.])\d{16,}(?![\d.eE])/;
const SIXTEEN_DIGITS = /\d{16}/;
const INTEGER_LITERAL = /^-?\d+$/;

/**
 * Parses JSON, keeping the text of every integer literal a double cannot hold exactly. Text without
 * an integer of 16 digits cannot hold one, and takes plain `JSON.parse` (the common, fast case).
 */
export function parseJsonExact(text: string): { document: unknown; exact: ExactNumbers } {
  // Sixteen digits in a row at all (a quick scan) before the exact question (lookarounds: slower).
  if (!SIXTEEN_DIGITS.test(text) || !LONG_INTEGER.test(text))
    return { document: JSON.parse(text), exact: NO_ROUNDED_INTEGERS };
  const exact = new ExactNumbers();
  let document: unknown;
  try {
    document = parseWithReviver(text, exact);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    return { document: JSON.parse(text), exact: new UnknownLiterals() };
  }
  return { document, exact };
}

function parseWithReviver(text: string, exact: ExactNumbers): unknown {
  return JSON.parse(
    text,
    function (this: object, key: string, value: unknown, context?: { source?: string }) {
      if (typeof value === 'number') {
        if (Number.isInteger(value) && !Number.isSafeInteger(value)) {
          // Node 22 hands the literal's text over (JSON.parse source text access); where it does not,
          // the value is taken as rounded, so it is refused rather than kept wrong.
          const literal = context?.source;
          if (literal === undefined) exact.mark(this, key, '');
          else if (INTEGER_LITERAL.test(literal) && BigInt(literal) !== BigInt(value))
            exact.mark(this, key, literal);
        }
      } else if (value !== null && typeof value === 'object') {
        exact.propagate(this, key, value);
      }
      return value;
    },
  );
}
