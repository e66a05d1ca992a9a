import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { catalogueCleanModels, cleanModelStatements } from '../../lambdas/warehouse/clean-models';
import { loadContracts } from '../../lambdas/contracts/contract';
import { writtenColumns } from '../../lambdas/contracts/table-spec';
import { LocalWarehouse } from '../../local/warehouse/warehouse';
import { writeAuditPublish } from '../../lambdas/quality/write-audit-publish';
import { duckdbDialect } from '../../lambdas/quality/dialect';
import { generatedSqlDirectory, generatedSqlFiles } from '../../bin/generate-models';

const contracts = loadContracts();

describe('CLEAN models', () => {
  it('are generated from the contracts, one per table, each child after its parent', () => {
    const models = catalogueCleanModels(contracts.values());
    expect(models.map((model) => model.table).sort()).toEqual(
      [...contracts.values()]
        .flatMap((contract) => contract.tables.map((table) => `${contract.source}__${table.name}`))
        .sort(),
    );
    for (const [index, model] of models.entries())
      if (model.parentTable)
        expect(models.slice(0, index).map((parent) => `clean.${parent.table}`)).toContain(model.parentTable);
  });

  it('split into create, merge and (for list items) delete, keyed as Snowflake names the table', () => {
    const statements = cleanModelStatements();
    const kinds = (table: string) =>
      Object.entries(statements.get(table)!).map(([kind, value]) => [
        kind,
        [value].flat().map((statement) => statement.split(' ')[0]),
      ]);
    expect(kinds('FAKESTORE__CARTS')).toEqual([
      ['create', ['create']],
      ['addColumns', []],
      ['merge', ['merge']],
      ['mergeBatch', ['merge']],
    ]);
    expect(kinds('FAKESTORE__CARTS__PRODUCTS')).toEqual([
      ['create', ['create']],
      ['addColumns', []],
      ['merge', ['merge']],
      ['mergeBatch', ['merge']],
      ['prune', ['delete']],
    ]);
  });

  it("are written out by npm run models with the checks' Snowflake SQL, for reading and for sqlfluff", () => {
    const files = [...generatedSqlFiles().keys()].map((path) => relative(generatedSqlDirectory, path));
    expect(files).toEqual(
      expect.arrayContaining([
        'clean/fakestore__carts__products.sql',
        'clean/stream__events.sql',
        'checks/fakestore__carts.sql',
      ]),
    );
    expect(files.filter((file) => file.startsWith('clean/'))).toHaveLength(
      catalogueCleanModels(contracts.values()).length,
    );
  });

  describe('on DuckDB', () => {
    const directory = mkdtempSync(join(tmpdir(), 'clean-models-'));
    let warehouse: LocalWarehouse;
    const carts = contracts.get('fakestore/carts')!;
    const [cartTable, itemTable] = carts.tables;
    const columnsOf = (table: typeof cartTable) =>
      writtenColumns(table!, cartTable!, carts.primaryKey).map((column) => column.name);

    beforeAll(async () => {
      warehouse = await LocalWarehouse.open(join(directory, 'warehouse.duckdb'));
      for (const [table, spec] of [
        ['fakestore__carts', cartTable],
        ['fakestore__carts__products', itemTable],
      ] as const) {
        const columns = columnsOf(spec).map((column) => `${column} varchar`);
        await warehouse.rows(
          `create table raw.${table} (${columns.join(', ')}, _file_name varchar, _file_row_number bigint, _loaded_at timestamptz)`,
        );
      }
    });
    afterAll(() => {
      warehouse.close();
      rmSync(directory, { recursive: true, force: true });
    });

    /** One RAW row: the table's columns from `values` (null when absent), as the local Snowpipe loads it. */
    async function insertRaw(
      table: string,
      spec: typeof cartTable,
      values: Record<string, string>,
      file: string,
      row: number,
    ) {
      const columns = columnsOf(spec);
      const cells = columns.map((column) => (values[column] === undefined ? 'null' : `'${values[column]}'`));
      await warehouse.rows(
        `insert into raw.${table} (${columns.join(', ')}, _file_name, _file_row_number, _loaded_at) values (${cells.join(', ')}, '${file}', ${row}, now())`,
      );
    }

    /** Loads one version of cart 1 (extracted at `at`, with `items` list items) into RAW. */
    async function loadCart(version: string, at: string, items: number) {
      const lineage = {
        _extracted_at: at,
        _record_hash: version,
        _batch_id: version,
        _source_key: `k-${version}`,
      };
      await insertRaw('fakestore__carts', cartTable, { id: '1', ...lineage }, `f-${version}`, 1);
      for (let index = 0; index < items; index += 1) {
        const item = {
          _parent_id: '1',
          _list_index: String(index),
          product_id: String(index + 1),
          quantity: '1',
        };
        await insertRaw(
          'fakestore__carts__products',
          itemTable,
          { ...item, ...lineage },
          `f-${version}`,
          index + 1,
        );
      }
    }

    /** What a run's quality step does with a batch (no checks here: every batch passes). */
    async function publish(batchId: string) {
      const session = await warehouse.session();
      try {
        await writeAuditPublish({
          executor: session,
          dialect: duckdbDialect,
          batchId,
          logicalDate: '2026-11-20',
          cleanModels: catalogueCleanModels([carts]),
          checks: [],
          analyticsModels: [],
        });
      } finally {
        session.close();
      }
    }

    const clean = async () => ({
      carts: await warehouse.rows('select id, _record_hash from clean.fakestore__carts'),
      items: await warehouse.rows(
        'select _list_index, _record_hash from clean.fakestore__carts__products order by _list_index',
      ),
    });

    it('keeps the latest version of a record, and only the list items of that version', async () => {
      await loadCart('v1', '2026-11-20 06:00:00', 3);
      await publish('v1');
      expect((await clean()).items).toHaveLength(3);
      await loadCart('v2', '2026-11-21 06:00:00', 1);
      await publish('v2');
      expect(await clean()).toEqual({
        carts: [{ id: '1', _record_hash: 'v2' }],
        items: [{ _list_index: '0', _record_hash: 'v2' }],
      });
    });

    it('does not let an older version loaded late overwrite a newer one, and is idempotent', async () => {
      await loadCart('v0', '2026-11-19 06:00:00', 2);
      await publish('v0');
      await publish('v0');
      await publish('v2');
      expect(await clean()).toEqual({
        carts: [{ id: '1', _record_hash: 'v2' }],
        items: [{ _list_index: '0', _record_hash: 'v2' }],
      });
    });
  });
});
