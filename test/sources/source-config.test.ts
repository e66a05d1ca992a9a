import { parseSourceConfig } from '../../lambdas/sources/source-config';
import { loadSources } from '../../lambdas/sources';
import { ConfigError } from '../../lambdas/shared/errors';

const minimal = {
  name: 'my_api',
  baseUrl: 'https://api.example.com/v2',
  auth: { type: 'none' },
  resources: [{ name: 'items', path: '/items', primaryKey: ['id'] }],
};

describe('source configuration', () => {
  it('validates every built-in source and fills in the defaults', () => {
    const sources = loadSources({});
    expect([...sources.keys()]).toEqual(['events_apikey', 'events_oauth', 'fakestore', 'gfn', 'legacy_erp']);
    expect(sources.get('fakestore')).toMatchObject({
      paginator: { type: 'none' },
      timeoutMs: 30_000,
      retry: { maxAttempts: 5, baseDelayMs: 500, maxDelayMs: 30_000 },
    });
  });

  it('points a source elsewhere through PIPELINE_BASE_URL_<SOURCE>', () => {
    const sources = loadSources({ PIPELINE_BASE_URL_GFN: 'http://127.0.0.1:9999/gfn/v1' });
    expect(sources.get('gfn')!.baseUrl).toBe('http://127.0.0.1:9999/gfn/v1');
    expect(sources.get('fakestore')!.baseUrl).toBe('https://fakestoreapi.com');
  });

  it.each([
    [{ ...minimal, baseUrl: 'not a url' }, /baseUrl: /],
    [{ ...minimal, auth: { type: 'bearer' } }, /auth\.type: /],
    [
      { ...minimal, auth: { type: 'api_key', in: 'cookie', name: 'k', value: { secret: 'KEY' } } },
      /auth\.in: /,
    ],
    [{ ...minimal, auth: { type: 'basic', username: 'u', password: 'hunter2' } }, /auth\.password: /],
    [
      {
        ...minimal,
        resources: [{ name: 'items', path: '/items', primaryKey: ['id'], paginator: { type: 'offset' } }],
      },
      /resources\[0\]\.paginator\.limit: /,
    ],
    [
      { ...minimal, resources: [{ name: 'Items', path: '/items', primaryKey: ['id'] }] },
      /resources\[0\]\.name: must be snake_case/,
    ],
    [
      { ...minimal, resources: [{ name: 'items', path: 'items', primaryKey: ['id'] }] },
      /resources\[0\]\.path: /,
    ],
    [
      { ...minimal, resources: [{ name: 'items', path: '/items', primaryKey: [] }] },
      /resources\[0\]\.primaryKey: /,
    ],
    [
      { ...minimal, resources: [{ name: 'items', path: '/items', primaryKey: ['id'], colour: 'red' }] },
      /resources\[0\]: .*colour/,
    ],
    [
      {
        ...minimal,
        resources: [
          {
            name: 'items',
            path: '/items/{id}',
            primaryKey: ['id'],
            partitions: { type: 'parent', resource: 'nope', field: 'id', param: 'id' },
          },
        ],
      },
      /resources\[0\]\.partitions\.resource: names no resource of this source \("nope"\)/,
    ],
    [
      {
        ...minimal,
        resources: [
          {
            name: 'items',
            path: '/items',
            primaryKey: ['id'],
            partitions: { type: 'list', param: 'kind', values: ['a'] },
          },
        ],
      },
      /resources\[0\]\.path: must contain \{kind\}/,
    ],
    [
      {
        ...minimal,
        resources: [
          {
            name: 'items',
            path: '/items/{y}',
            primaryKey: ['id'],
            partitions: { type: 'range', param: 'y', from: 'cursor', to: 2020 },
          },
        ],
      },
      /resources\[0\]\.partitions\.from: "cursor" needs an incremental config/,
    ],
    [
      // XML cannot tell a list of one from a record: the path to the repeated element is required.
      { ...minimal, format: 'xml' },
      /resources\[0\]\.recordsPath: an XML source needs the path to its repeated record element/,
    ],
    [
      { ...minimal, auth: { type: 'wsse_username_token', username: 'u', password: 'plain-text' } },
      /auth\.password/,
    ],
    [
      { ...minimal, resources: [minimal.resources[0], minimal.resources[0]] },
      /resources\[1\]\.name: duplicate resource name "items"/,
    ],
  ])('rejects a bad config with an error naming the field (%#)', (config, message) => {
    expect(() => parseSourceConfig(config, '"my_api"')).toThrow(ConfigError);
    expect(() => parseSourceConfig(config, '"my_api"')).toThrow(message);
  });

  it('says where to read about the options', () => {
    expect(() => parseSourceConfig({ ...minimal, timeoutMs: -1 }, '"my_api"')).toThrow(
      /source config "my_api" is invalid:\n {2}- timeoutMs: .*docs\/sources\.md/s,
    );
  });
});
