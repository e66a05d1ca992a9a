import { loadContracts } from '../../lambdas/contracts/contract';
import { writtenColumns } from '../../lambdas/contracts/table-spec';
import { catalogueCleanModels } from '../../lambdas/warehouse/clean-models';
import type { Check } from '../../lambdas/quality/check-config';
import { PublishOutcome, writeAuditPublish } from '../../lambdas/quality/write-audit-publish';
import type { SqlExecutor } from '../../lambdas/warehouse/sql-executor';
import { duckdbTypes } from '../../lambdas/shared/sql-text';
import { LocalWarehouse } from '../../local/warehouse/warehouse';
import type { PipelineWarehouse } from '../../local/warehouse/pipeline-warehouse';

const carts = loadContracts().get('fakestore/carts')!;
const [cartTable, itemTable] = carts.tables;
const columnSpecsOf = (table: typeof cartTable) => writtenColumns(table!, cartTable!, carts.primaryKey);
const columnsOf = (table: typeof cartTable) => columnSpecsOf(table).map((column) => column.name);

/** The carts' CLEAN models (a parent and its list items). */
export const cartModels = catalogueCleanModels([carts]);

/** One version of a cart: RAW rows as the local Snowpipe loads them, lineage set by the test. */
export interface CartVersion {
  id: number;
  /** The version's record hash; its list items carry it too. */
  hash: string;
  batchId: string;
  extractedAt: string;
  items: number;
}

/**
 * A warehouse whose RAW has the carts' two tables (typed as the transformed layer types them), into
 * which versions are loaded: DuckDB's file, or any warehouse a local run fills.
 */
export class RawCarts {
  constructor(readonly warehouse: PipelineWarehouse) {}

  /** A DuckDB file at `path`, or `warehouse` (an empty one: its RAW and CLEAN have no carts yet). */
  static async open(at: string | PipelineWarehouse): Promise<RawCarts> {
    const warehouse = typeof at === 'string' ? await LocalWarehouse.open(at) : at;
    for (const [table, spec] of [
      ['fakestore__carts', cartTable],
      ['fakestore__carts__products', itemTable],
    ] as const) {
      // DuckDB's type names, which PostgreSQL's dialect takes in a table definition too.
      const columns = columnSpecsOf(spec).map((column) => `${column.name} ${duckdbTypes[column.type]}`);
      await warehouse.rows(
        `create table raw.${table} (${columns.join(', ')}, _file_name varchar, _file_row_number bigint, _loaded_at timestamptz)`,
      );
    }
    // CLEAN's tables exist before any batch, as Snowflake's setup makes them at deploy.
    for (const model of cartModels) await warehouse.rows(model.statements.create);
    return new RawCarts(warehouse);
  }

  async load(version: CartVersion): Promise<void> {
    const lineage = {
      _extracted_at: version.extractedAt,
      _record_hash: version.hash,
      _batch_id: version.batchId,
      _source_key: `k-${version.hash}`,
    };
    const file = `f-${version.batchId}-${version.id}`;
    await this.insert('fakestore__carts', cartTable, { id: String(version.id), ...lineage }, file, 1);
    for (let index = 0; index < version.items; index += 1) {
      const item = {
        _parent_id: String(version.id),
        _list_index: String(index),
        product_id: String(index + 1),
        quantity: '1',
      };
      await this.insert('fakestore__carts__products', itemTable, { ...item, ...lineage }, file, index + 1);
    }
  }

  /** What a run's quality step does with a batch of carts, on a connection of its own. */
  async publish(
    batchId: string,
    checks: readonly Check[] = [],
    wrap: (executor: SqlExecutor) => SqlExecutor = (executor) => executor,
  ): Promise<PublishOutcome> {
    return this.warehouse.inSession((executor) =>
      writeAuditPublish({
        executor: wrap(executor),
        dialect: this.warehouse.dialect,
        batchId,
        logicalDate: '2026-11-20',
        cleanModels: cartModels,
        checks,
        analyticsModels: [],
      }),
    );
  }

  /** CLEAN's carts and items, in a stable order, with the version each row is of. */
  async clean(): Promise<{ carts: Array<[string, string]>; items: Array<[string, string, string]> }> {
    const carts = await this.warehouse.rows(
      'select id::varchar as id, _record_hash from clean.fakestore__carts order by id',
    );
    const items = await this.warehouse.rows(
      'select _parent_id::varchar as parent, _list_index::varchar as position, _record_hash from clean.fakestore__carts__products order by _parent_id, _list_index',
    );
    return {
      carts: carts.map((row) => [String(row.id), String(row._record_hash)]),
      items: items.map((row) => [String(row.parent), String(row.position), String(row._record_hash)]),
    };
  }

  async close(): Promise<void> {
    await this.warehouse.close();
  }

  private async insert(
    table: string,
    spec: typeof cartTable,
    values: Record<string, string>,
    file: string,
    row: number,
  ): Promise<void> {
    const columns = columnsOf(spec);
    const cells = columns.map((column) => (values[column] === undefined ? 'null' : `'${values[column]}'`));
    await this.warehouse.rows(
      `insert into raw.${table} (${columns.join(', ')}, _file_name, _file_row_number, _loaded_at) values (${cells.join(', ')}, '${file}', ${row}, now())`,
    );
  }
}
