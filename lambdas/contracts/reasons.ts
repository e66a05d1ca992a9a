import type { ErrorObject } from 'ajv';
import { readPath } from '../shared/json-path';

/** Why a record was rejected: which field, which rule, what was expected and what arrived. */
export interface Reason {
  field: string;
  rule: string;
  expected: unknown;
  actual: unknown;
}

const MAX_SHOWN = 120;

/** A value as a reason shows it: short enough to read, never the whole of a huge string. */
export function shown(value: unknown): unknown {
  if (typeof value === 'string' && value.length > MAX_SHOWN)
    return `${value.slice(0, MAX_SHOWN)}… (${value.length} chars)`;
  if (value !== null && typeof value === 'object') {
    const text = JSON.stringify(value);
    return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}… (${text.length} chars)` : value;
  }
  return value;
}

export function jsonTypeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function fieldOf(error: ErrorObject): string {
  const path = error.instancePath
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
  return path.join('.');
}

/** Turns JSON Schema validation errors into reasons a person can act on. */
export function reasonsFrom(errors: readonly ErrorObject[], record: unknown): Reason[] {
  return errors.map((error) => {
    const field = fieldOf(error);
    const actual = readPath(record, field);
    const params = error.params as Record<string, unknown>;
    switch (error.keyword) {
      case 'required': {
        const missing = String(params.missingProperty);
        return {
          field: field ? `${field}.${missing}` : missing,
          rule: 'required',
          expected: 'present',
          actual: 'missing',
        };
      }
      case 'type':
        return { field, rule: 'type', expected: params.type, actual: jsonTypeOf(actual) };
      case 'format':
        return { field, rule: 'format', expected: params.format, actual: shown(actual) };
      case 'minimum':
      case 'maximum':
      case 'exclusiveMinimum':
      case 'exclusiveMaximum':
        return { field, rule: 'range', expected: `${params.comparison} ${params.limit}`, actual };
      case 'enum':
        return { field, rule: 'enum', expected: params.allowedValues, actual: shown(actual) };
      case 'pattern':
        return { field, rule: 'pattern', expected: params.pattern, actual: shown(actual) };
      case 'maxLength':
      case 'minLength':
        return {
          field,
          rule: 'length',
          expected: `${error.keyword === 'maxLength' ? '<=' : '>='} ${params.limit} chars`,
          actual: `${String(actual).length} chars`,
        };
      case 'x-notFuture':
        return { field, rule: 'not_future', expected: 'not after today', actual: shown(actual) };
      default:
        return { field, rule: error.keyword, expected: error.message, actual: shown(actual) };
    }
  });
}
