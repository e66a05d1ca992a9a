import { delimiter } from 'node:path';
import Ajv2020, { ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import * as z from 'zod';
import { ConfigError } from '../shared/errors';
import { describeIssues } from '../shared/zod-issues';
import { sourceDirectories, sourceFolders } from '../sources/catalogue';
import { EXTRA_COLUMN, JsonSchemaNode, TableSpec, tablesFromSchema } from './table-spec';

/**
 * What a contract does with a field it does not know (dlt's schema contract modes, plus `keep_extra`:
 * such fields kept together in one JSON column, so the table never changes and no record is refused
 * for them; the streaming path's mode, where a verdict may not depend on earlier requests).
 */
export type ContractMode = 'evolve' | 'freeze' | 'discard_row' | 'discard_value' | 'keep_extra';

const pipelineSettings = z
  .object({
    mode: z.enum(['evolve', 'freeze', 'discard_row', 'discard_value', 'keep_extra']),
    primaryKey: z.array(z.string()).min(1),
    /** Fields never written anywhere (e.g. a plain-text password the API sends). */
    exclude: z.array(z.string()).default([]),
    /** Fields that hold personal data, for masking in the warehouse. */
    personalData: z.array(z.string()).default([]),
  })
  .strict();

export interface Contract {
  source: string;
  resource: string;
  mode: ContractMode;
  primaryKey: string[];
  exclude: string[];
  personalData: string[];
  schema: JsonSchemaNode;
  validate: ValidateFunction;
  /** The resource's table and its child tables, as the contract describes them. */
  tables: TableSpec[];
}

/** `x-notFuture`: a year or timestamp may not lie after today (a 2031 figure in 2026 is a data error). */
function notFuture(now: () => Date) {
  return (enabled: boolean, value: unknown) => {
    if (!enabled) return true;
    const current = now();
    if (typeof value === 'number') return value <= current.getUTCFullYear();
    if (typeof value === 'string') return Date.parse(value) <= current.getTime();
    return true;
  };
}

export function createValidator(now: () => Date = () => new Date()): Ajv2020 {
  const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
  addFormats(ajv);
  ajv.addKeyword({ keyword: 'x-pipeline', schemaType: 'object' });
  ajv.addKeyword({
    keyword: 'x-notFuture',
    type: ['number', 'string'],
    schemaType: 'boolean',
    validate: notFuture(now),
  });
  return ajv;
}

/** Compiles a contract once; a malformed one fails at start-up naming the contract and the problem. */
export function compileContract(source: string, resource: string, schema: unknown, ajv: Ajv2020): Contract {
  const origin = `contract ${source}/${resource}`;
  const settings = pipelineSettings.safeParse((schema as { 'x-pipeline'?: unknown })?.['x-pipeline']);
  if (!settings.success) {
    throw new ConfigError(
      `${origin} has no valid "x-pipeline" settings: ${describeIssues(settings.error).join('; ')}`,
      { source, resource },
      'add "x-pipeline": { "mode": "freeze" | "evolve" | "discard_row" | "discard_value" | "keep_extra", "primaryKey": [...] } (docs/contracts.md)',
    );
  }
  let validate: ValidateFunction;
  try {
    validate = ajv.compile(schema as object);
  } catch (error) {
    throw new ConfigError(
      `${origin} is not a valid JSON Schema: ${(error as Error).message}`,
      { source, resource },
      'fix the schema',
      {
        cause: error,
      },
    );
  }
  const { mode, primaryKey, exclude, personalData } = settings.data;
  const declared = (schema as JsonSchemaNode).properties ?? {};
  if (mode === 'keep_extra' && Object.hasOwn(declared, EXTRA_COLUMN.name))
    throw new ConfigError(
      `${origin} declares a field "${EXTRA_COLUMN.name}", the column mode keep_extra keeps undeclared fields in`,
      { source, resource },
      `rename the field, or choose another mode (docs/contracts.md)`,
    );
  const tables = tablesFromSchema(resource, schema as JsonSchemaNode, exclude);
  if (mode === 'keep_extra') tables[0]!.columns.push({ ...EXTRA_COLUMN, path: [...EXTRA_COLUMN.path] });
  return {
    source,
    resource,
    mode,
    primaryKey,
    exclude,
    personalData,
    schema: schema as JsonSchemaNode,
    validate,
    tables,
  };
}

const compiled = new Map<string, Map<string, Contract>>();

/**
 * The contract of every resource of the catalogue (sources/<source>/contracts), and the stream's.
 * Compiled once per process for each list of source directories (as the catalogue is read once):
 * compiling the validators takes a few hundred milliseconds.
 */
export function loadContracts(ajv?: Ajv2020, env: NodeJS.ProcessEnv = process.env): Map<string, Contract> {
  if (ajv) return compileContracts(ajv, env);
  const key = sourceDirectories(env).join(delimiter);
  let contracts = compiled.get(key);
  if (!contracts) compiled.set(key, (contracts = compileContracts(createValidator(), env)));
  // A map of its own for each caller, who may add to it (tests add contracts of their own).
  return new Map(contracts);
}

function compileContracts(ajv: Ajv2020, env: NodeJS.ProcessEnv): Map<string, Contract> {
  const contracts = new Map<string, Contract>();
  for (const folder of sourceFolders(env))
    for (const [resource, schema] of folder.contracts)
      contracts.set(`${folder.name}/${resource}`, compileContract(folder.name, resource, schema, ajv));
  const pulled = sourceFolders(env)
    .find((folder) => folder.name === 'events_apikey')
    ?.contracts.get('events') as Record<string, unknown> | undefined;
  if (pulled)
    contracts.set('stream/events', compileContract('stream', 'events', streamContractOf(pulled), ajv));
  return contracts;
}

/**
 * Events pushed to POST /events (the streaming path, lambdas/ingest): the same shape as the pulled
 * ones. Undeclared fields are kept in `_extra` (mode keep_extra): a request's verdict never depends
 * on what earlier requests sent, and the stream's table never grows.
 */
function streamContractOf(pulled: Record<string, unknown>): Record<string, unknown> {
  return {
    ...pulled,
    $id: 'contracts/stream/events',
    'x-pipeline': { ...(pulled['x-pipeline'] as object), mode: 'keep_extra' },
  };
}
