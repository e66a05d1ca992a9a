import type { Check } from './check-config';
import { compileCheck } from './compile-check';
import type { Dialect } from './dialect';

/**
 * Every query the checks of one table run in a dialect, as one SQL file: what `npm run models` writes
 * to sql/generated/checks/ (Snowflake's) so that CI can parse them with sqlfluff's Snowflake grammar.
 */
export function compiledChecksSql(checks: readonly Check[], dialect: Dialect): Map<string, string> {
  const files = new Map<string, string[]>();
  for (const check of checks) {
    const statements = files.get(check.table) ?? [
      `-- ${check.table}: the data-quality queries in ${dialect.name} SQL, generated from sources/*/checks; change the checks, not this.`,
    ];
    if (check.kind === 'schema') {
      statements.push(`-- ${check.name}\n${dialect.columnsOf(check.table)};`);
    } else if (check.kind === 'anomaly') {
      statements.push(`-- ${check.name}\nselect count(*) as metric from clean.${check.table};`);
    } else {
      const compiled = compileCheck(check, dialect);
      statements.push(`-- ${check.name}\n${compiled.metricSql};`);
      if (compiled.sampleSql) statements.push(`-- ${check.name}: failing keys\n${compiled.sampleSql};`);
    }
    files.set(check.table, statements);
  }
  return new Map([...files].map(([table, statements]) => [table, `${statements.join('\n\n')}\n`]));
}
