import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isMap, isSeq, LineCounter, parseDocument, Node as YamlNode } from 'yaml';
import * as z from 'zod';
import { ConfigError } from '../shared/errors';
import { sourceFolders } from '../sources/catalogue';

const identifier = z.string().regex(/^[a-z_][a-z0-9_]*$/, 'a lower-case column or table name');
const severity = z.enum(['warn', 'fail']).default('fail');
const atMost = z.number().int().min(0).default(0);

/** Every kind of check, with its parameters (docs/quality.md has an example of each). */
const checkSchema = z.union([
  z
    .object({
      row_count: z
        .object({ min: z.number().int().min(0).default(1), max: z.number().int().positive().optional() })
        .strict(),
      severity,
    })
    .strict(),
  z
    .object({
      missing_count: z.object({ columns: z.array(identifier).min(1), max: atMost }).strict(),
      severity,
    })
    .strict(),
  z
    .object({
      duplicate_count: z.object({ columns: z.array(identifier).min(1), max: atMost }).strict(),
      severity,
    })
    .strict(),
  z
    .object({
      freshness: z.object({ column: identifier, max_hours: z.number().positive() }).strict(),
      severity,
    })
    .strict(),
  z
    .object({
      invalid_count: z
        .object({
          column: identifier,
          values: z
            .array(z.union([z.string(), z.number()]))
            .min(1)
            .optional(),
          min: z.number().optional(),
          max_value: z.number().optional(),
          max: atMost,
        })
        .strict()
        .refine(
          (check) => check.values || check.min !== undefined || check.max_value !== undefined,
          'give values, min or max_value',
        ),
      severity,
    })
    .strict(),
  z
    .object({
      reference: z
        .object({
          column: identifier,
          to: z.string().regex(/^[a-z0-9_]+\.[a-z_][a-z0-9_]*$/, 'table.column'),
          max: atMost,
        })
        .strict(),
      severity,
    })
    .strict(),
  z
    .object({
      schema: z
        .object({ required: z.array(identifier).default([]), forbidden: z.array(identifier).default([]) })
        .strict(),
      severity,
    })
    .strict(),
  z
    .object({
      anomaly: z
        .object({
          metric: z.literal('row_count'),
          max_deviations: z.number().positive().default(3),
          max_change: z.number().positive().default(0.5),
          history: z.number().int().min(2).default(10),
          min_history: z.number().int().min(2).default(5),
        })
        .strict(),
      severity: z.enum(['warn', 'fail']).default('warn'),
    })
    .strict(),
]);

const checksFileSchema = z.object({ table: identifier, checks: z.array(checkSchema).min(1) }).strict();

export type CheckDefinition = z.infer<typeof checkSchema>;
export type CheckKind =
  | 'row_count'
  | 'missing_count'
  | 'duplicate_count'
  | 'freshness'
  | 'invalid_count'
  | 'reference'
  | 'schema'
  | 'anomaly';

/** One check of one table, as the runner takes it. */
export interface Check {
  table: string;
  kind: CheckKind;
  /** `duplicate_count(id)`: stable, so results line up over time. */
  name: string;
  severity: 'warn' | 'fail';
  params: Record<string, unknown>;
}

function nameOf(kind: CheckKind, params: Record<string, unknown>): string {
  const subject =
    (params.columns as string[] | undefined)?.join(', ') ??
    (params.column as string | undefined) ??
    (params.metric as string | undefined) ??
    '';
  const target = kind === 'reference' ? ` → ${String(params.to)}` : '';
  return `${kind}(${subject}${target})`;
}

/** The YAML node a zod issue path points at, for its line. */
function nodeAt(root: YamlNode | null | undefined, path: PropertyKey[]): YamlNode | undefined {
  let node: YamlNode | null | undefined = root;
  for (const key of path) {
    if (isMap(node)) node = node.get(key as string, true) as YamlNode | undefined;
    else if (isSeq(node)) node = node.get(key as number, true) as YamlNode | undefined;
    else break;
  }
  return node ?? undefined;
}

/** Parses one checks file, or fails naming the file, the line and what is wrong. */
export function parseChecksFile(text: string, file: string): Check[] {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter });
  if (document.errors.length) {
    const error = document.errors[0]!;
    throw new ConfigError(
      `${file} line ${error.linePos?.[0].line ?? '?'}: ${error.message.split('\n')[0]}`,
      {},
      'fix the YAML (docs/quality.md)',
    );
  }
  const parsed = checksFileSchema.safeParse(document.toJS());
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const node = nodeAt(document.contents, issue.path);
    const line = node?.range ? lineCounter.linePos(node.range[0]).line : 1;
    const where = issue.path.join('.');
    const unionHint =
      issue.code === 'invalid_union' ? 'an unknown check kind or parameters it does not take' : issue.message;
    throw new ConfigError(
      `${file} line ${line}: ${where ? `${where}: ` : ''}${unionHint}`,
      {},
      'see docs/quality.md for every check kind and its parameters',
    );
  }
  return parsed.data.checks.map((definition) => {
    const { severity: level, ...rest } = definition as CheckDefinition & { severity: 'warn' | 'fail' };
    const [kind, params] = Object.entries(rest)[0] as [CheckKind, Record<string, unknown>];
    return { table: parsed.data.table, kind, name: nameOf(kind, params), severity: level, params };
  });
}

/** Every checks file of a folder (`<source>__<table>.yml`), checked at start-up. */
export function loadChecks(directory: string): Check[] {
  return readdirSync(directory)
    .filter((file) => file.endsWith('.yml'))
    .sort()
    .flatMap((file) => parseChecksFile(readFileSync(join(directory, file), 'utf8'), file));
}

/** The checks of every source of the catalogue (sources/<source>/checks), checked at start-up. */
export function catalogueChecks(env: NodeJS.ProcessEnv = process.env): Check[] {
  return sourceFolders(env).flatMap((folder) =>
    folder.checksDirectory ? loadChecks(folder.checksDirectory) : [],
  );
}
