import { parseArgs } from 'node:util';
import { loadSources } from '../lambdas/sources';
import { daysBetween, isCalendarDate } from '../lib/ops/pipeline-operator';
import { faultKinds, FaultKind, FaultRule } from './fixture-api/faults';
import type { WarehouseKind } from './warehouse/pipeline-warehouse';
import { warehouseKindOf } from './warehouse/open-warehouse';

export interface RunArguments {
  help: boolean;
  /** The logical days to run, in order: one, or a backfill's range. */
  days: string[];
  backfill: boolean;
  sources?: string[];
  resources?: string[];
  faults: FaultRule[];
  fresh: boolean;
  dataDirectory: string;
  /** The warehouse to fill: DuckDB's file (default) or PostgreSQL. */
  warehouse: WarehouseKind;
  /** With `--warehouse postgres`: DATABASE_URL, the server to use instead of one of the run's own. */
  databaseUrl?: string;
}

/** A mistake in `npm start`'s arguments: told in one line, before anything starts. */
export class RunArgumentError extends Error {
  override readonly name = 'RunArgumentError';
}

/**
 * `npm start`'s arguments, every one checked before anything starts: dates are real days, sources and
 * resources exist (in this checkout's sources, `PIPELINE_SOURCES_PATH` included), faults are known.
 */
export function parseRunArguments(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  today = new Date().toISOString().slice(0, 10),
): RunArguments {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        source: { type: 'string', multiple: true },
        resource: { type: 'string', multiple: true },
        date: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        fault: { type: 'string', multiple: true },
        fresh: { type: 'boolean', default: false },
        'data-dir': { type: 'string', default: '.local' },
        warehouse: { type: 'string', default: 'duckdb' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    throw new RunArgumentError(`${(error as Error).message} (npm start -- --help lists the options)`);
  }
  let warehouse: WarehouseKind;
  try {
    warehouse = warehouseKindOf(values.warehouse);
  } catch (error) {
    throw new RunArgumentError((error as Error).message);
  }
  const base = {
    faults: [],
    fresh: values.fresh,
    dataDirectory: values['data-dir'],
    backfill: false,
    warehouse,
    // DATABASE_URL is only PostgreSQL's: a shell that has one for another project leaves DuckDB runs alone.
    ...(warehouse === 'postgres' && env.DATABASE_URL ? { databaseUrl: env.DATABASE_URL } : {}),
  };
  if (values.help) return { ...base, help: true, days: [] };
  if ((values.from === undefined) !== (values.to === undefined))
    throw new RunArgumentError('--from and --to go together: npm start -- --from 2020-01-01 --to 2020-01-31');
  if (values.from && values.date)
    throw new RunArgumentError('--date is one day; --from/--to are a range: give one or the other');
  if (values.date !== undefined && !isCalendarDate(values.date))
    throw new RunArgumentError(`--date "${values.date}" is not a day: use YYYY-MM-DD (for example ${today})`);
  let days: string[];
  try {
    days = values.from ? daysBetween(values.from, values.to!) : [values.date ?? today];
  } catch (error) {
    throw new RunArgumentError((error as Error).message);
  }
  const sources = loadSources(env);
  for (const name of values.source ?? [])
    if (!sources.has(name))
      throw new RunArgumentError(
        `--source "${name}" is not a source: use one of ${[...sources.keys()].join(', ')}`,
      );
  const chosen = values.source?.length ? values.source : [...sources.keys()];
  const resources = chosen.flatMap((name) => sources.get(name)!.resources.map((resource) => resource.name));
  for (const name of values.resource ?? [])
    if (!resources.includes(name))
      throw new RunArgumentError(
        `--resource "${name}" is not a resource of ${values.source?.length ? values.source.join(', ') : 'any source'}: use one of ${[...new Set(resources)].join(', ')}`,
      );
  const faults = (values.fault ?? []).map((kind): FaultRule => {
    if (!faultKinds.includes(kind as FaultKind))
      throw new RunArgumentError(`--fault must be one of ${faultKinds.join(', ')}, not "${kind}"`);
    // Token and cursor faults only mean something on the OAuth2 event API, after its first page.
    const oauthOnly = kind === 'expire_token' || kind === 'repeat_cursor';
    return oauthOnly
      ? { kind: kind as FaultKind, path: '/events-oauth/v1/events', after: 1, times: 1 }
      : { kind: kind as FaultKind, times: 2 };
  });
  return {
    ...base,
    help: false,
    days,
    backfill: values.from !== undefined,
    ...(values.source?.length ? { sources: values.source } : {}),
    ...(values.resource?.length ? { resources: values.resource } : {}),
    faults,
  };
}
