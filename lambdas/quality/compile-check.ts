import type { Check } from './check-config';
import type { Dialect } from './dialect';

/** What to run for one check: a query answering `metric` (a number), and one for failing keys, if any. */
export interface CompiledCheck {
  metricSql: string;
  sampleSql?: string;
  /** How the metric is judged, e.g. `<= 0` or `between 1 and 500`. */
  threshold: string;
  passes(metric: number): boolean;
}

/** Compiles a check (not `anomaly`, which is judged from history, nor `schema`, from the catalog) to SQL. */
export function compileCheck(check: Check, dialect: Dialect): CompiledCheck {
  const table = `clean.${check.table}`;
  const p = check.params as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- shapes checked by the checks file schema
  const literal = (value: string | number) =>
    typeof value === 'number' ? String(value) : dialect.stringLiteral(value);
  const atMost = (max: number) => ({ threshold: `<= ${max}`, passes: (metric: number) => metric <= max });
  switch (check.kind) {
    case 'row_count': {
      const max = p.max as number | undefined;
      return {
        metricSql: `select count(*) as metric from ${table}`,
        threshold: max === undefined ? `>= ${p.min}` : `between ${p.min} and ${max}`,
        passes: (metric) => metric >= (p.min as number) && (max === undefined || metric <= max),
      };
    }
    case 'missing_count': {
      const columns = p.columns as string[];
      const where = `where ${columns.map((column) => `${column} is null`).join(' or ')}`;
      return { metricSql: `select count(*) as metric from ${table} ${where}`, ...atMost(p.max) };
    }
    case 'duplicate_count': {
      const key = (p.columns as string[]).join(', ');
      const duplicates = `from (select ${key}, count(*) as n from ${table} group by ${key} having count(*) > 1) as d`;
      return {
        metricSql: `select coalesce(sum(n - 1), 0) as metric ${duplicates}`,
        sampleSql: dialect.sampleOf(
          (p.columns as string[]).map((column) => `cast(${column} as varchar)`).join(` || '|' || `),
          duplicates,
        ),
        ...atMost(p.max),
      };
    }
    case 'freshness': {
      const limit = p.max_hours as number;
      return {
        metricSql: `select ${dialect.hoursSince(`max(${p.column})`)} as metric from ${table}`,
        threshold: `<= ${limit} h`,
        passes: (metric) => metric <= limit,
      };
    }
    case 'invalid_count': {
      const column = p.column as string;
      const rules: string[] = [];
      if (p.values)
        rules.push(`${column} not in (${(p.values as Array<string | number>).map(literal).join(', ')})`);
      if (p.min !== undefined) rules.push(`${column} < ${p.min}`);
      if (p.max_value !== undefined) rules.push(`${column} > ${p.max_value}`);
      const from = `from ${table} where ${column} is not null and (${rules.join(' or ')})`;
      return {
        metricSql: `select count(*) as metric ${from}`,
        sampleSql: dialect.sampleOf(`cast(${column} as varchar)`, from),
        ...atMost(p.max),
      };
    }
    case 'reference': {
      const [target, targetColumn] = String(p.to).split('.') as [string, string];
      const column = p.column as string;
      const from = `from ${table} as c where c.${column} is not null and not exists (select 1 from clean.${target} as r where r.${targetColumn} = c.${column})`;
      return {
        metricSql: `select count(*) as metric ${from}`,
        sampleSql: dialect.sampleOf(`cast(c.${column} as varchar)`, from),
        ...atMost(p.max),
      };
    }
    default:
      throw new Error(`${check.kind} checks are not compiled to a metric query`);
  }
}
