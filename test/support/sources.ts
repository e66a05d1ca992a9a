import { parseSourceConfig, SourceConfig, SourceConfigInput } from '../../lambdas/sources/source-config';
import { loadSources } from '../../lambdas/sources';
import type { FixtureApi } from '../../local/fixture-api/server';

/** The built-in sources, pointed at the fixture API, with fast retries for tests. */
export function builtInSourceAt(api: FixtureApi, name: keyof FixtureApi['baseUrls']): SourceConfig {
  const source = loadSources({ [`PIPELINE_BASE_URL_${name.toUpperCase()}`]: api.baseUrls[name] }).get(name)!;
  return {
    ...source,
    retry: { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 5 },
    rateLimit: { concurrency: 4 },
  };
}

/** A one-resource events source against the fixture API's API-key endpoints, for paginator and fault tests. */
export function eventsSource(
  api: FixtureApi,
  overrides: Partial<SourceConfigInput> = {},
  resource: Partial<SourceConfigInput['resources'][number]> = {},
): SourceConfig {
  return parseSourceConfig(
    {
      name: 'test_events',
      baseUrl: api.baseUrls.events_apikey,
      auth: { type: 'api_key', in: 'header', name: 'X-API-Key', value: { secret: 'EVENTS_API_KEY' } },
      recordsPath: 'items',
      paginator: { type: 'offset', limit: 100, totalPath: 'total' },
      timeoutMs: 2000,
      retry: { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 5 },
      ...overrides,
      resources: [{ name: 'events', path: '/v1/events', primaryKey: ['id'], ...resource }],
    },
    'test_events',
  );
}
