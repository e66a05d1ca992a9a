import { environmentConfig, environments } from '../../lib/config/environments';

describe('environment configuration', () => {
  it.each(Object.keys(environments))('accepts the shipped %s configuration', (name) => {
    expect(environmentConfig(name).name).toBe(name);
  });

  it('asks for an environment when none is chosen', () => {
    expect(() => environmentConfig(undefined)).toThrow(
      'no environment chosen: pass -c env=<name> to cdk (one of dev, staging, prod)',
    );
  });

  it('names the environments it knows when given another', () => {
    expect(() => environmentConfig('qa')).toThrow('unknown environment "qa": use one of dev, staging, prod');
  });

  it('names the wrong setting and what it expects', () => {
    expect(() => environmentConfig('dev', { sources: ['gfn', 'nope'] })).toThrow(
      /environment "dev" is misconfigured: sources\[1\]: .*"gfn"/,
    );
    expect(() => environmentConfig('prod', { schedule: { expression: 'daily', enabled: true } })).toThrow(
      /schedule\.expression: a six-field cron expression/,
    );
    expect(() => environmentConfig('prod', { alertEmail: 'not-an-address' })).toThrow(
      /alertEmail: an e-mail address/,
    );
    expect(() =>
      environmentConfig('prod', { memoryMb: { extract: 1024, validate: 256, small: 128 } }),
    ).toThrow(/memoryMb\.validate: validate needs 512 MB/);
  });

  it('names a missing setting', () => {
    expect(() => environmentConfig('dev', { removalPolicy: undefined })).toThrow(
      /removalPolicy: Invalid option/,
    );
  });

  it('takes overrides as JSON from the command line', () => {
    const config = environmentConfig('staging', '{"alertEmail":"oncall@example.com","maxConcurrency":2}');
    expect(config).toMatchObject({ alertEmail: 'oncall@example.com', maxConcurrency: 2 });
    expect(() => environmentConfig('staging', '{alertEmail')).toThrow(
      '-c overrides is not JSON: {alertEmail',
    );
  });

  it('lays overrides over the environment object by object: one memory size changes, the others stay', () => {
    expect(environmentConfig('prod', '{"memoryMb":{"extract":2048}}').memoryMb).toEqual({
      ...environmentConfig('prod').memoryMb,
      extract: 2048,
    });
    const retention = environmentConfig('staging', { retention: { logDays: 7 } }).retention;
    expect(retention).toEqual({ ...environmentConfig('staging').retention, logDays: 7 });
    // A list replaces the list: the sources are the ones given.
    expect(environmentConfig('dev', { sources: ['gfn'] }).sources).toEqual(['gfn']);
  });
});

describe('sources per environment', () => {
  const EVENTS_URL = 'https://events.acme.io/oauth-api';

  it.each(Object.keys(environments))(
    'deploys by default only the sources of %s with a real base URL',
    (name) => {
      expect(environmentConfig(name).sources).toEqual(['fakestore', 'gfn']);
    },
  );

  it('deploys a placeholder source once its settings give it a URL', () => {
    const config = environmentConfig('prod', { sourceSettings: { events_oauth: { baseUrl: EVENTS_URL } } });
    expect(config.sources).toEqual(['events_oauth', 'fakestore', 'gfn']);
  });

  it('refuses a listed source whose URL is a placeholder, naming the setting to give', () => {
    expect(() => environmentConfig('staging', { sources: ['gfn', 'events_apikey'] })).toThrow(
      /environment "staging" is misconfigured: sourceSettings\.events_apikey\.baseUrl: source "events_apikey" is enabled but its base URL https:\/\/events\.example\.com\/apikey-api is a placeholder: .*"sourceSettings":\{"events_apikey":\{"baseUrl"/,
    );
    expect(() =>
      environmentConfig('dev', {
        sources: ['gfn'],
        sourceSettings: { gfn: { baseUrl: 'https://sandbox.test/v1' } },
      }),
    ).toThrow(/sourceSettings\.gfn\.baseUrl: .*https:\/\/sandbox\.test\/v1 is a placeholder/);
  });

  it('names settings for a source or resource the catalogue does not have', () => {
    expect(() => environmentConfig('dev', { sourceSettings: { nope: { schedule: 'hourly' } } })).toThrow(
      /sourceSettings\.nope: no source folder is named "nope"/,
    );
    expect(() =>
      environmentConfig('dev', { sourceSettings: { gfn: { resources: ['countries', 'moons'] } } }),
    ).toThrow(
      /sourceSettings\.gfn\.resources: source "gfn" has no resource "moons"; its source.yml has countries, years/,
    );
    expect(() => environmentConfig('dev', { sourceSettings: { gfn: { schedule: 'weekly' } } })).toThrow(
      /sourceSettings\.gfn\.schedule/,
    );
    expect(() => environmentConfig('dev', { sourceSettings: { gfn: { secretArn: 'gfn-key' } } })).toThrow(
      /sourceSettings\.gfn\.secretArn: a Secrets Manager secret ARN/,
    );
  });
});
