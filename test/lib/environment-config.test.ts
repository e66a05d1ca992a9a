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
});
