import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { catalogueCleanModels, cleanModelStatements } from '../../lambdas/warehouse/clean-models';
import { loadContracts } from '../../lambdas/contracts/contract';
import { RawCarts } from '../support/raw-carts';
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
    let raw: RawCarts;
    beforeAll(async () => {
      raw = await RawCarts.open(join(directory, 'warehouse.duckdb'));
    });
    afterAll(async () => {
      await raw.close();
      rmSync(directory, { recursive: true, force: true });
    });

    /** One version of cart 1, its own batch (extracted at `at`, with `items` list items), published. */
    async function publishCart(version: string, at: string, items: number) {
      await raw.load({ id: 1, hash: version, batchId: version, extractedAt: at, items });
      await raw.publish(version);
    }

    it('keeps the latest version of a record, and only the list items of that version', async () => {
      await publishCart('v1', '2026-11-20 06:00:00', 3);
      expect((await raw.clean()).items).toHaveLength(3);
      await publishCart('v2', '2026-11-21 06:00:00', 1);
      expect(await raw.clean()).toEqual({ carts: [['1', 'v2']], items: [['1', '0', 'v2']] });
    });

    it('does not let an older version loaded late overwrite a newer one, and is idempotent', async () => {
      await publishCart('v0', '2026-11-19 06:00:00', 2);
      await raw.publish('v0');
      await raw.publish('v2');
      expect(await raw.clean()).toEqual({ carts: [['1', 'v2']], items: [['1', '0', 'v2']] });
    });
  });
});
