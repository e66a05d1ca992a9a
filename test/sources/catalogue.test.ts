import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSources } from '../../lambdas/sources';
import { loadContracts } from '../../lambdas/contracts/contract';
import { catalogueChecks } from '../../lambdas/quality/check-config';
import { ConfigError } from '../../lambdas/shared/errors';

/** A source folder as a user writes one: settings, a contract per resource, checks. */
function sourceFolder(root: string, name: string, files: Record<string, string>): void {
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(join(root, name, file, '..'), { recursive: true });
    writeFileSync(join(root, name, file), text);
  }
}

const shopFiles = {
  'source.yml':
    'name: shop\nbaseUrl: http://127.0.0.1:9/api\nauth: { type: none }\nresources:\n  - { name: items, path: /items }\n',
  'contracts/items.json': JSON.stringify({
    type: 'object',
    'x-pipeline': { mode: 'freeze', primaryKey: ['sku'] },
    required: ['sku'],
    properties: { sku: { type: 'string' }, price: { type: 'number' } },
  }),
  'checks/shop__items.yml': 'table: shop__items\nchecks:\n  - row_count: { min: 1 }\n',
};

describe('the source catalogue: a new API is one folder', () => {
  const roots: string[] = [];
  const newRoot = () => {
    const root = mkdtempSync(join(tmpdir(), 'sources-'));
    roots.push(root);
    return root;
  };
  afterAll(() => roots.forEach((root) => rmSync(root, { recursive: true, force: true })));

  it('finds a folder on PIPELINE_SOURCES_PATH: its settings, its contract (primary key from there) and its checks', () => {
    const root = newRoot();
    sourceFolder(root, 'shop', shopFiles);
    const env = { PIPELINE_SOURCES_PATH: root };
    const shop = loadSources(env).get('shop');
    expect(shop?.resources[0]).toMatchObject({ name: 'items', path: '/items', primaryKey: ['sku'] });
    expect(loadContracts(undefined, env).get('shop/items')?.primaryKey).toEqual(['sku']);
    expect(catalogueChecks(env).filter((check) => check.table === 'shop__items')).toHaveLength(1);
    // The shipped sources are found as well.
    expect([...loadSources(env).keys()]).toEqual(expect.arrayContaining(['gfn', 'fakestore', 'shop']));
  });

  it('refuses a primary key declared in source.yml, and a resource without a contract, naming the file', () => {
    const twice = newRoot();
    sourceFolder(twice, 'shop', {
      ...shopFiles,
      'source.yml': shopFiles['source.yml'].replace('path: /items }', 'path: /items, primaryKey: [sku] }'),
    });
    expect(() => loadSources({ PIPELINE_SOURCES_PATH: twice })).toThrow(
      /gives resource items a primaryKey.*declare it once, in .*contracts\/items\.json/s,
    );
    const bare = newRoot();
    sourceFolder(bare, 'shop', { 'source.yml': shopFiles['source.yml'] });
    expect(() => loadSources({ PIPELINE_SOURCES_PATH: bare })).toThrow(
      /no contract for its resource items.*add .*items\.json/s,
    );
  });

  it('refuses a folder whose source.yml names another source, or a file that does not parse', () => {
    const misnamed = newRoot();
    sourceFolder(misnamed, 'store', shopFiles);
    expect(() => loadSources({ PIPELINE_SOURCES_PATH: misnamed })).toThrow(ConfigError);
    const broken = newRoot();
    sourceFolder(broken, 'shop', { ...shopFiles, 'contracts/items.json': '{ "type": ' });
    expect(() => loadSources({ PIPELINE_SOURCES_PATH: broken })).toThrow(/items\.json is not JSON/);
  });
});
