import fc from 'fast-check';

/**
 * JSON *text* of any shape, built as text so that it can hold what `JSON.stringify` never writes:
 * integer literals beyond 2^53 and beyond INT64, `1.0`, `1E2`, `-0`, lone surrogate escapes, and
 * nesting thousands of levels deep. Property tests feed it to the pipeline as an API would.
 */

/** Field names, prototype members and awkward names included. */
export const fieldName = fc.oneof(
  fc.constantFrom(
    'constructor',
    '__proto__',
    'toString',
    'valueOf',
    'hasOwnProperty',
    '',
    ' ',
    'id',
    'name',
    'price',
    'a.b',
    'ÜBER',
    '雨',
    '\u0000',
  ),
  fc.string({ maxLength: 12 }),
);

export const numberLiteral = fc.oneof(
  fc.integer().map(String),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((value) => JSON.stringify(value)),
  fc.constantFrom(
    '9007199254740993',
    '-9007199254740993',
    '9223372036854775807',
    '9223372036854775808',
    '-9223372036854775809',
    '123456789012345678901234567890',
    '1e308',
    '-1e-320',
    '5e-324',
    '1.0',
    '1E2',
    '-0',
    '0.1',
  ),
);

export const stringLiteral = fc.oneof(
  fc.string({ maxLength: 20 }).map((text) => JSON.stringify(text)),
  fc.string({ unit: 'grapheme', maxLength: 10 }).map((text) => JSON.stringify(text)),
  // Lone surrogates: JSON.stringify escapes them, so the text stays valid JSON that parses to them.
  fc.string({ unit: 'binary', maxLength: 10 }).map((text) => JSON.stringify(text)),
  fc.constantFrom('"\\ud800"', '"a\\udfffb"', '"\\u0000"', '"\\\\"', '"\\"quoted\\""'),
);

/** Nesting far past any limit, as text, without recursion. */
export const deepValue = fc
  .record({ depth: fc.constantFrom(150, 2_000, 10_000), array: fc.boolean() })
  .map(({ depth, array }) =>
    array ? `${'['.repeat(depth)}1${']'.repeat(depth)}` : `${'{"x":'.repeat(depth)}1${'}'.repeat(depth)}`,
  );

const { value: jsonValue } = fc.letrec<{ value: string; object: string; array: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom('null', 'true', 'false'),
    numberLiteral,
    stringLiteral,
    tie('object'),
    tie('array'),
  ),
  object: fc
    .array(fc.tuple(fieldName, tie('value')), { maxLength: 4 })
    .map((entries) => `{${entries.map(([key, value]) => `${JSON.stringify(key)}:${value}`).join(',')}}`),
  array: fc.array(tie('value'), { maxLength: 4 }).map((items) => `[${items.join(',')}]`),
}));

/** Any JSON value as text, deep nesting now and then. */
export const anyJsonText = fc.oneof({ weight: 9, arbitrary: jsonValue }, { weight: 1, arbitrary: deepValue });
