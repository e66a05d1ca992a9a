import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import {
  defaultSecretResolver,
  EnvSecretResolver,
  SECRET_MAX_AGE_SECONDS,
  SecretsManagerResolver,
} from '../../lambdas/shared/secrets';

describe('secrets', () => {
  const secretsManager = mockClient(SecretsManagerClient);
  beforeEach(() => secretsManager.reset());

  it('reads a named key of the pipeline secret from Secrets Manager once, however many keys are asked', async () => {
    secretsManager
      .on(GetSecretValueCommand)
      .resolves({ SecretString: JSON.stringify({ GFN_API_KEY: 'k1', EVENTS_API_KEY: 'k2' }) });
    const resolver = new SecretsManagerResolver(
      'arn:aws:secretsmanager:eu-west-1:123:secret:pipeline',
      new SecretsManagerClient({}),
    );
    expect(await resolver.resolve('GFN_API_KEY')).toBe('k1');
    expect(await resolver.resolve('EVENTS_API_KEY')).toBe('k2');
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    expect(secretsManager.commandCalls(GetSecretValueCommand)[0]!.args[0].input).toEqual({
      SecretId: 'arn:aws:secretsmanager:eu-west-1:123:secret:pipeline',
    });
  });

  it('reads a rotated secret again after five minutes, so warm functions follow a rotation', async () => {
    jest.useFakeTimers({ now: new Date('2026-12-07T10:00:00Z'), doNotFake: ['nextTick', 'setImmediate'] });
    try {
      secretsManager
        .on(GetSecretValueCommand)
        .resolvesOnce({ SecretString: '{"GFN_API_KEY":"before-rotation"}' })
        .resolves({ SecretString: '{"GFN_API_KEY":"after-rotation"}' });
      const resolver = new SecretsManagerResolver('pipeline', new SecretsManagerClient({}));
      expect(await resolver.resolve('GFN_API_KEY')).toBe('before-rotation');
      jest.setSystemTime(new Date(Date.now() + (SECRET_MAX_AGE_SECONDS - 1) * 1000));
      expect(await resolver.resolve('GFN_API_KEY')).toBe('before-rotation');
      jest.setSystemTime(new Date(Date.now() + 2000));
      expect(await resolver.resolve('GFN_API_KEY')).toBe('after-rotation');
      expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(2);
    } finally {
      jest.useRealTimers();
    }
  });

  it('names the missing key and the secret, never a value', async () => {
    secretsManager
      .on(GetSecretValueCommand)
      .resolves({ SecretString: JSON.stringify({ OTHER: 'top-secret-value' }) });
    const resolver = new SecretsManagerResolver('pipeline', new SecretsManagerClient({}));
    const failure = resolver.resolve('GFN_API_KEY');
    await expect(failure).rejects.toThrow(
      /secret GFN_API_KEY is missing from the Secrets Manager secret pipeline/,
    );
    await expect(failure).rejects.not.toThrow(/top-secret-value/);
  });

  it('retries the read on the next call after Secrets Manager failed', async () => {
    secretsManager
      .on(GetSecretValueCommand)
      .rejectsOnce(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }))
      .resolves({ SecretString: '{"GFN_API_KEY":"k1"}' });
    const resolver = new SecretsManagerResolver('pipeline', new SecretsManagerClient({}));
    await expect(resolver.resolve('GFN_API_KEY')).rejects.toThrow(
      /AccessDeniedException.*secretsmanager:GetSecretValue/,
    );
    expect(await resolver.resolve('GFN_API_KEY')).toBe('k1');
  });

  it('uses Secrets Manager when PIPELINE_SECRET_ARN is set and the environment otherwise', async () => {
    expect(defaultSecretResolver({ PIPELINE_SECRET_ARN: 'arn' })).toBeInstanceOf(SecretsManagerResolver);
    const local = defaultSecretResolver({ GFN_API_KEY: 'from-env' });
    expect(local).toBeInstanceOf(EnvSecretResolver);
    expect(await local.resolve('GFN_API_KEY')).toBe('from-env');
  });
});
