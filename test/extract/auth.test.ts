import { extractResource } from '../../lambdas/extract/extract-resource';
import { clearTokenCache } from '../../lambdas/extract/http/auth';
import { AuthError, ConfigError } from '../../lambdas/shared/errors';
import { EnvSecretResolver } from '../../lambdas/shared/secrets';
import { fixtureCredentials } from '../../local/fixture-api/server';
import { objectMetadata, startTestEnvironment, TestEnvironment } from '../support/environment';
import { builtInSourceAt, eventsSource } from '../support/sources';

describe('authentication', () => {
  let env: TestEnvironment;
  beforeAll(async () => (env = await startTestEnvironment({ eventCount: 3000 })));
  afterAll(async () => env.close());
  beforeEach(() => {
    env.api.faults.clear();
    env.api.requests.length = 0;
    clearTokenCache();
  });

  const batch = (batchId: string) => ({ batchId, logicalDate: '2026-11-20' });
  const wrongSecrets = (name: string) =>
    new EnvSecretResolver({ ...fixtureCredentials, [name]: 'wrong-value' });

  it('sends HTTP Basic with the API key as the password (gfn)', async () => {
    const result = await extractResource(env.deps(), {
      source: builtInSourceAt(env.api, 'gfn'),
      resource: 'years',
      ...batch('b-basic'),
    });
    expect(result.records).toBe(59);
  });

  it('fails at once with an auth error naming the secret when Basic credentials are refused', async () => {
    const deps = env.deps({ secrets: wrongSecrets('GFN_API_KEY') });
    const failure = extractResource(deps, {
      source: builtInSourceAt(env.api, 'gfn'),
      resource: 'years',
      ...batch('b-basic-bad'),
    });
    await expect(failure).rejects.toThrow(AuthError);
    await expect(failure).rejects.toMatchObject({ context: { status: 403, attempts: 1 } });
    expect(env.api.requests).toHaveLength(1);
  });

  it('sends an API key in a header', async () => {
    const result = await extractResource(env.deps(), {
      source: builtInSourceAt(env.api, 'events_apikey'),
      resource: 'events',
      ...batch('b-header'),
    });
    expect(result.records).toBe(3000);
  });

  it('sends an API key as a query parameter and never stores it in the request URL metadata', async () => {
    const source = eventsSource(env.api, {
      auth: { type: 'api_key', in: 'query', name: 'api_key', value: { secret: 'EVENTS_API_KEY' } },
    });
    const result = await extractResource(env.deps(), { source, resource: 'events', ...batch('b-query') });
    expect(result.records).toBe(3000);
    expect(env.api.requests[0]!.path).toContain(`api_key=${fixtureCredentials.EVENTS_API_KEY}`);
    const metadata = await objectMetadata(env.s3, result.pageKeys[0]!);
    expect(metadata['request-url']).toContain('api_key=REDACTED');
    expect(metadata['request-url']).not.toContain(fixtureCredentials.EVENTS_API_KEY);
  });

  it('fetches one OAuth2 token and reuses it for every page until it expires', async () => {
    const result = await extractResource(env.deps(), {
      source: builtInSourceAt(env.api, 'events_oauth'),
      resource: 'events',
      ...batch('b-oauth'),
    });
    expect(result.pages).toBe(3);
    expect(env.api.requests.filter((request) => request.path === '/events-oauth/oauth/token')).toHaveLength(
      1,
    );
  });

  it('refreshes an OAuth2 token that expires mid-run once, then carries on with every record', async () => {
    env.api.faults.add({ kind: 'expire_token', path: '/events-oauth/v1/events', after: 1 });
    const result = await extractResource(env.deps(), {
      source: builtInSourceAt(env.api, 'events_oauth'),
      resource: 'events',
      ...batch('b-expire'),
    });
    expect(result.records).toBe(3000);
    expect(env.api.requests.map((request) => request.status)).toEqual([200, 200, 401, 200, 200, 200]);
    expect(env.api.requests.filter((request) => request.path === '/events-oauth/oauth/token')).toHaveLength(
      2,
    );
  });

  it('gives a clear auth error when the token endpoint refuses the client credentials', async () => {
    const deps = env.deps({ secrets: wrongSecrets('EVENTS_OAUTH_CLIENT_SECRET') });
    const failure = extractResource(deps, {
      source: builtInSourceAt(env.api, 'events_oauth'),
      resource: 'events',
      ...batch('b-oauth-bad'),
    });
    await expect(failure).rejects.toThrow(AuthError);
    await expect(failure).rejects.toThrow(/check EVENTS_OAUTH_CLIENT_ID and EVENTS_OAUTH_CLIENT_SECRET/);
  });

  it('names the missing environment variable when a secret is not set locally', async () => {
    const deps = env.deps({ secrets: new EnvSecretResolver({}) });
    await expect(
      extractResource(deps, {
        source: builtInSourceAt(env.api, 'gfn'),
        resource: 'years',
        ...batch('b-no-secret'),
      }),
    ).rejects.toThrow(ConfigError);
    await expect(
      extractResource(deps, {
        source: builtInSourceAt(env.api, 'gfn'),
        resource: 'years',
        ...batch('b-no-secret'),
      }),
    ).rejects.toThrow(/secret GFN_API_KEY is not set.*export GFN_API_KEY=/);
  });
});
