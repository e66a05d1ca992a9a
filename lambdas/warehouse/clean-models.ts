import { Contract, loadContracts } from '../contracts/contract';
import { primaryKeyColumns, writtenColumns } from '../contracts/table-spec';
import { splitStatements } from './migrations';

/**
 * One CLEAN model, `<source>__<table>`: statements for Snowflake and DuckDB alike, generated from its
 * contract wherever it runs (so a new source folder needs no generated file; `npm run models` writes
 * them out only for reading and for sqlfluff).
 */
export interface CleanModel {
  table: string;
  /** The RAW table it reads; in Snowflake its task reads this table's stream instead. */
  rawTable: string;
  /** The CLEAN table a child model's rows must agree with (its parent), if any. */
  parentTable?: string;
  sql: string;
}

/**
 * CLEAN keeps the latest version of each record: RAW rows are ranked per primary key by extraction
 * time (then load time, file and row), the first one is merged in, replacing an older version. A child
 * table (list items) is keyed by its parent's key and the list index, and keeps only the rows of the
 * parent version CLEAN holds, so a list that shrank leaves no stale items. The SQL is the subset both
 * Snowflake and DuckDB run: MERGE, QUALIFY, unquoted lower-case names.
 */
export function cleanModels(contract: Contract): CleanModel[] {
  const [main] = contract.tables;
  const parentKey = primaryKeyColumns(main!, contract.primaryKey).map((column) => column.name);
  const mainName = `${contract.source}__${main!.name}`;
  return contract.tables.map((table) => {
    const name = `${contract.source}__${table.name}`;
    const columns = writtenColumns(table, main!, contract.primaryKey).map((column) => column.name);
    const isChild = table !== main;
    const key = isChild ? [...parentKey.map((column) => `_parent_${column}`), '_list_index'] : parentKey;
    const latest = `row_number() over (partition by ${key.join(', ')} order by _extracted_at desc, _loaded_at desc, _file_name desc, _file_row_number desc) = 1`;
    const statements = [
      `-- ${name}: generated from sources/${contract.source}/contracts/${contract.resource}.json; change the contract, not this.`,
      `create table if not exists clean.${name} as\nselect ${columns.join(', ')}\nfrom raw.${name}\nwhere 1 = 0;`,
      [
        `merge into clean.${name} as t`,
        `using (`,
        `    select ${columns.join(', ')}`,
        `    from raw.${name}`,
        `    qualify ${latest}`,
        `) as s`,
        `on ${key.map((column) => `t.${column} = s.${column}`).join(' and ')}`,
        `when matched and s._extracted_at >= t._extracted_at then update set`,
        columns.map((column) => `    ${column} = s.${column}`).join(',\n'),
        `when not matched then insert (${columns.join(', ')})`,
        `values (${columns.map((column) => `s.${column}`).join(', ')});`,
      ].join('\n'),
    ];
    if (isChild) {
      const join = parentKey.map((column) => `p.${column} = c._parent_${column}`).join(' and ');
      statements.push(
        `delete from clean.${name} as c\nwhere not exists (\n    select 1 from clean.${mainName} as p\n    where ${join} and p._record_hash = c._record_hash\n);`,
      );
    }
    return {
      table: name,
      rawTable: `raw.${name}`,
      ...(isChild ? { parentTable: `clean.${mainName}` } : {}),
      sql: `${statements.join('\n\n')}\n`,
    };
  });
}

/** Every CLEAN model of the catalogue, parents before their children. */
export function catalogueCleanModels(contracts: Iterable<Contract> = loadContracts().values()): CleanModel[] {
  return [...contracts].flatMap(cleanModels);
}

/** The catalogue's CLEAN models by table name in upper case (as Snowflake names it): [create table, merge, delete?]. */
export function cleanModelStatements(models = catalogueCleanModels()): Map<string, string[]> {
  return new Map(models.map((model) => [model.table.toUpperCase(), splitStatements(model.sql)]));
}
