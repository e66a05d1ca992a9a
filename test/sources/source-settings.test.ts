import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { handler as plan } from '../../lambdas/plan/handler';
import { SourceSecrets } from '../../lambdas/extract/source-secrets';
import { loadSources } from '../../lambdas/sources';
import { isPlaceholderUrl, SOURCE_SETTINGS_VARIABLE } from '../../lambdas/sources/source-settings';
import { ConfigError } from '../../lambdas/shared/errors';

const settings = (value: unknown) => ({ [SOURCE_SETTINGS_VARIABLE]: JSON.stringify(value) });

describe("an environment's source settings", () => {
  it('replace the base URL and rate limit of source.yml, and choose the resources that run', () => {
    const sources = loadSources(
      settings({
        events_oauth: { baseUrl: 'https://events.acme.io/oauth', rateLimit: { requestsPerMinute: 30 } },
        gfn: { resources: ['countries', 'footprint_by_year'] },
      }),
    );
    const events = sources.get('events_oauth')!;
    expect(events.baseUrl).toBe('https://events.acme.io/oauth');
    // The concurrency source.yml gives stays; only the rate is replaced.
    expect(events.rateLimit).toMatchObject({ requestsPerMinute: 30, concurrency: 4 });
    const enabled = sources
      .get('gfn')!
      .resources.filter((resource) => resource.enabled)
      .map((resource) => resource.name);
    expect(enabled).toEqual(['countries', 'footprint_by_year']);
    // Sources without settings are source.yml's exactly.
    expect(sources.get('fakestore')).toEqual(loadSources({}).get('fakestore'));
  });

  it('give the event APIs the limits of the design by default', () => {
    const sources = loadSources({});
    expect(sources.get('events_oauth')!.rateLimit.requestsPerMinute).toBe(100);
    expect(sources.get('events_apikey')!.rateLimit.requestsPerMinute).toBe(60);
  });

  it('yield to a PIPELINE_BASE_URL_<SOURCE> variable', () => {
    const sources = loadSources({
      ...settings({ gfn: { baseUrl: 'https://gfn.acme.io/v1' } }),
      PIPELINE_BASE_URL_GFN: 'http://127.0.0.1:9999/gfn/v1',
    });
    expect(sources.get('gfn')!.baseUrl).toBe('http://127.0.0.1:9999/gfn/v1');
  });

  it('are refused, naming the variable, when they are not JSON or not settings', () => {
    expect(() => loadSources({ [SOURCE_SETTINGS_VARIABLE]: '{gfn' })).toThrow(ConfigError);
    expect(() => loadSources({ [SOURCE_SETTINGS_VARIABLE]: '{gfn' })).toThrow(
      /PIPELINE_SOURCE_SETTINGS is not JSON/,
    );
    expect(() => loadSources(settings({ gfn: { schedule: 'weekly' } }))).toThrow(
      /PIPELINE_SOURCE_SETTINGS is invalid: gfn\.schedule/,
    );
  });

  it('decide what a scheduled run plans', async () => {
    const saved = { ...process.env };
    try {
      Object.assign(process.env, {
        PIPELINE_SOURCES: 'gfn',
        ...settings({ gfn: { resources: ['years'] } }),
      });
      const run = await plan({ batchId: 'run-1', input: { logicalDate: '2026-11-01' } });
      expect(run.resources).toEqual([{ source: 'gfn', resource: 'years' }]);
    } finally {
      process.env = saved;
    }
  });

  it('tell placeholder hosts from real ones', () => {
    for (const url of [
      'https://events.example.com/x',
      'https://example.org',
      'http://api.invalid',
      'http://sandbox.test/v1',
      'http://localhost:8080',
      'not a url',
    ])
      expect(isPlaceholderUrl(url)).toBe(true);
    for (const url of [
      'https://api.footprintnetwork.org/v1',
      'https://fakestoreapi.com',
      'http://127.0.0.1:8080',
    ])
      expect(isPlaceholderUrl(url)).toBe(false);
  });
});

describe("a source's secrets", () => {
  const secretsManager = mockClient(SecretsManagerClient);
  beforeEach(() => secretsManager.reset());
  const OWN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:events-oauth-AbCdEf';

  it("are read from the secret its environment names, the others' from the pipeline's", async () => {
    secretsManager
      .on(GetSecretValueCommand, { SecretId: OWN })
      .resolves({ SecretString: JSON.stringify({ EVENTS_OAUTH_CLIENT_ID: 'from-own-secret' }) });
    const secrets = new SourceSecrets({
      ...settings({ events_oauth: { secretArn: OWN } }),
      GFN_API_KEY: 'from-environment',
    });
    expect(await secrets.of('events_oauth').resolve('EVENTS_OAUTH_CLIENT_ID')).toBe('from-own-secret');
    expect(await secrets.of('gfn').resolve('GFN_API_KEY')).toBe('from-environment');
    // One resolver per secret: a second source call does not read it again.
    await secrets.of('events_oauth').resolve('EVENTS_OAUTH_CLIENT_ID');
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });
});
