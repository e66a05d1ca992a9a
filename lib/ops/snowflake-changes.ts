import type { RawTableSpec, SnowpipeProperties } from '../../lambdas/warehouse/snowpipe-objects';

type Column = RawTableSpec['columns'][number];

/** Hashes: that they changed is what matters, not their value. */
const VERSIONS = new Set(['modelsVersion', 'migrationsVersion']);

/**
 * What differs between the Snowflake resource's deployed and new properties, one line per change, in
 * words: what the statements of the plan that follows are for.
 */
export function describeChanges(before?: SnowpipeProperties, after?: SnowpipeProperties): string[] {
  if (!before && after)
    return [
      `new: database ${after.database}, integration ${after.integrationName}, ${after.tables.length} table(s)`,
    ];
  if (before && !after)
    return [`removed from the stack: database ${before.database} and what the stack made for it`];
  if (!before || !after) return [];
  const lines: string[] = [];
  const keys = new Set([...Object.keys(before), ...Object.keys(after)].filter((key) => key !== 'tables'));
  for (const key of [...keys].sort()) {
    const [old, next] = [before, after].map((side) => (side as unknown as Record<string, unknown>)[key]);
    if (JSON.stringify(old) === JSON.stringify(next)) continue;
    lines.push(VERSIONS.has(key) ? `${key} changed` : `${key}: ${show(old)} → ${show(next)}`);
  }
  const old = new Map(before.tables.map((table) => [table.name, table]));
  const current = new Set(after.tables.map((table) => table.name));
  for (const table of after.tables) {
    const previous = old.get(table.name);
    if (!previous) lines.push(`table ${table.name}: new (${table.columns.length} column(s))`);
    else {
      const changes = tableChanges(previous, table);
      if (changes.length) lines.push(`table ${table.name}: ${changes.join('; ')}`);
    }
  }
  for (const name of before.tables.map((table) => table.name).filter((name) => !current.has(name)))
    lines.push(`table ${name}: no longer produced (its pipe goes, its data stays)`);
  return lines;
}

function tableChanges(before: RawTableSpec, after: RawTableSpec): string[] {
  const changes: string[] = [];
  for (const key of ['prefix', 'format', 'evolves'] as const)
    if ((before[key] ?? null) !== (after[key] ?? null))
      changes.push(`${key} ${show(before[key])} → ${show(after[key])}`);
  const old = new Map(before.columns.map((column) => [column.name, column]));
  const names = new Set(after.columns.map((column) => column.name));
  const added = after.columns.filter((column) => !old.has(column.name)).map((column) => column.name);
  if (added.length) changes.push(`+ ${added.join(', ')}`);
  const removed = before.columns.filter((column) => !names.has(column.name)).map((column) => column.name);
  if (removed.length) changes.push(`- ${removed.join(', ')} (no longer in the contract; the column stays)`);
  for (const column of after.columns) {
    const previous: Column | undefined = old.get(column.name);
    if (!previous) continue;
    if (previous.type !== column.type) changes.push(`${column.name} ${previous.type} → ${column.type}`);
    if (Boolean(previous.personal) !== Boolean(column.personal))
      changes.push(`${column.name} ${column.personal ? 'now' : 'no longer'} personal data`);
  }
  return changes;
}

const show = (value: unknown) =>
  value === undefined ? '(none)' : typeof value === 'string' ? value : JSON.stringify(value);
