import { Contract, loadContracts } from '../contracts/contract';
import { ColumnSpec, primaryKeyColumns, writtenColumns } from '../contracts/table-spec';
// DuckDB's type names are Snowflake synonyms too (VARCHAR, BIGINT, DOUBLE, BOOLEAN, TIMESTAMPTZ, DATE):
// an evolved column is added to CLEAN with the same statement in both engines.
import { duckdbTypes } from '../shared/sql-text';
import { SchemaRegistry, widenedTables } from '../contracts/schema-registry';

/**
 * One CLEAN model, `<source>__<table>`: statements for Snowflake, DuckDB and PostgreSQL alike, generated from its
 * contract wherever it runs (so a new source folder needs no generated file; `npm run models` writes
 * them out only for reading and for sqlfluff).
 */
export interface CleanModel {
  table: string;
  /** The RAW table it reads; in Snowflake its task reads this table's stream instead. */
  rawTable: string;
  /** The CLEAN table a child model's rows must agree with (its parent), if any. */
  parentTable?: string;
  /**
   * Its rows come from the streaming path (Firehose), merged as they arrive (a Snowflake task on the
   * RAW table's stream), not by a run's quality step.
   */
  streamed: boolean;
  /** Its statements by what each does (Snowflake's setup and quality step run them one by one). */
  statements: CleanStatements;
  /** The whole model as one script (DuckDB runs it; `npm run models` writes it out). */
  sql: string;
}

export interface CleanStatements {
  create: string;
  /** The columns evolve mode added since the contract, added to an existing CLEAN table. */
  addColumns: string[];
  merge: string;
  /** The merge of one batch's rows only (bound: its `_batch_id`): what a run publishes. */
  mergeBatch: string;
  /** For list items: the rows of parent versions CLEAN no longer holds. */
  prune?: string;
}

/**
 * CLEAN keeps the latest version of each record: RAW rows are ranked per primary key by extraction
 * time (then load time, file and row), the first one is merged in, replacing an older version. A child
 * table (list items) is keyed by its parent's key and the list index, and keeps only the rows of the
 * parent version CLEAN holds, so a list that shrank leaves no stale items. The SQL is the subset
 * Snowflake, DuckDB and PostgreSQL (15 and later) all run: MERGE, a ranked subquery rather than
 * QUALIFY (which PostgreSQL lacks), unquoted lower-case names.
 */
export function cleanModels(contract: Contract, evolved: Record<string, ColumnSpec[]> = {}): CleanModel[] {
  const tables = widenedTables(contract, evolved);
  const [main] = tables;
  const parentKey = primaryKeyColumns(main!, contract.primaryKey).map((column) => column.name);
  const mainName = `${contract.source}__${main!.name}`;
  return tables.map((table) => {
    const name = `${contract.source}__${table.name}`;
    const columns = writtenColumns(table, main!, contract.primaryKey).map((column) => column.name);
    const isChild = table !== main;
    const key = isChild ? [...parentKey.map((column) => `_parent_${column}`), '_list_index'] : parentKey;
    const rank = `row_number() over (partition by ${key.join(', ')} order by _extracted_at desc, _loaded_at desc, _file_name desc, _file_row_number desc)`;
    const create = `create table if not exists clean.${name} as\nselect ${columns.join(', ')}\nfrom raw.${name}\nwhere 1 = 0;`;
    const addColumns = (evolved[table.name] ?? []).map(
      (column) =>
        `alter table clean.${name} add column if not exists ${column.name} ${duckdbTypes[column.type]};`,
    );
    const mergeOf = (rows: string[]) =>
      [
        `merge into clean.${name} as t`,
        `using (`,
        `    select ${columns.join(', ')}`,
        `    from (`,
        `        select ${columns.join(', ')}, ${rank} as _version_rank`,
        `        from raw.${name}`,
        ...rows,
        `    ) as versions`,
        `    where _version_rank = 1`,
        `) as s`,
        `on ${key.map((column) => `t.${column} = s.${column}`).join(' and ')}`,
        `when matched and s._extracted_at >= t._extracted_at then update set`,
        columns.map((column) => `    ${column} = s.${column}`).join(',\n'),
        `when not matched then insert (${columns.join(', ')})`,
        `values (${columns.map((column) => `s.${column}`).join(', ')});`,
      ].join('\n');
    const merge = mergeOf([]);
    const mergeBatch = mergeOf(['        where _batch_id = ?']);
    const join = parentKey.map((column) => `p.${column} = c._parent_${column}`).join(' and ');
    const prune = isChild
      ? `delete from clean.${name} as c\nwhere not exists (\n    select 1 from clean.${mainName} as p\n    where ${join} and p._record_hash = c._record_hash\n);`
      : undefined;
    const header = `-- ${name}: generated from sources/${contract.source}/contracts/${contract.resource}.json; change the contract, not this.`;
    return {
      table: name,
      rawTable: `raw.${name}`,
      ...(isChild ? { parentTable: `clean.${mainName}` } : {}),
      streamed: contract.source === 'stream',
      statements: { create, addColumns, merge, mergeBatch, ...(prune ? { prune } : {}) },
      sql: `${[header, create, ...addColumns, merge, ...(prune ? [prune] : [])].join('\n\n')}\n`,
    };
  });
}

/** Every CLEAN model of the catalogue, parents before their children. */
export function catalogueCleanModels(contracts: Iterable<Contract> = loadContracts().values()): CleanModel[] {
  return [...contracts].flatMap((contract) => cleanModels(contract));
}

/**
 * Every CLEAN model with the columns evolve mode added since the contracts (the schema registry's in
 * the transformed bucket): what a run merges, in both engines.
 */
export async function evolvedCleanModels(
  registry: SchemaRegistry,
  contracts: Iterable<Contract> = loadContracts().values(),
): Promise<CleanModel[]> {
  const models: CleanModel[] = [];
  for (const contract of contracts)
    models.push(
      ...cleanModels(contract, contract.mode === 'evolve' ? await registry.evolvedColumns(contract) : {}),
    );
  return models;
}

/** CLEAN models' statements by table name in upper case, as Snowflake names the table. */
export function cleanModelStatements(models = catalogueCleanModels()): Map<string, CleanStatements> {
  return new Map(models.map((model) => [model.table.toUpperCase(), model.statements]));
}
