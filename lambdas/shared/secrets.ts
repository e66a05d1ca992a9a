import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ConfigError } from './errors';

/** Resolves a secret by its logical name (e.g. `GFN_API_KEY`); values never go to logs or errors. */
export interface SecretResolver {
  resolve(name: string): Promise<string>;
}

/** Locally, secrets come from environment variables of the same name. */
export class EnvSecretResolver implements SecretResolver {
  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  async resolve(name: string): Promise<string> {
    const value = this.env[name];
    if (!value) {
      throw new ConfigError(
        `secret ${name} is not set`,
        {},
        `export ${name}=… in the shell that runs the pipeline (or set PIPELINE_SECRET_ARN to read secrets from AWS Secrets Manager)`,
      );
    }
    return value;
  }
}

/**
 * In AWS, all of a pipeline's API secrets live in one Secrets Manager secret whose value is a JSON object
 * keyed by logical name. It is read once per container and cached, so a warm Lambda makes no extra call.
 */
export class SecretsManagerResolver implements SecretResolver {
  private values?: Promise<Record<string, string>>;

  constructor(
    private readonly secretId: string,
    private readonly client: SecretsManagerClient = new SecretsManagerClient({}),
  ) {}

  async resolve(name: string): Promise<string> {
    this.values ??= this.load();
    const value = (await this.values)[name];
    if (!value) {
      throw new ConfigError(
        `secret ${name} is missing from the Secrets Manager secret ${this.secretId}`,
        {},
        `add the key "${name}" to that secret's JSON value`,
      );
    }
    return value;
  }

  private async load(): Promise<Record<string, string>> {
    try {
      const answer = await this.client.send(new GetSecretValueCommand({ SecretId: this.secretId }));
      const parsed: unknown = JSON.parse(answer.SecretString ?? '{}');
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
        throw new Error('not a JSON object');
      return parsed as Record<string, string>;
    } catch (error) {
      this.values = undefined; // a failed read is retried on the next call instead of cached
      throw new ConfigError(
        `cannot read the Secrets Manager secret ${this.secretId} (${(error as Error).name})`,
        {},
        'check that the secret exists, holds a JSON object, and that the function may call secretsmanager:GetSecretValue on it',
        { cause: error },
      );
    }
  }
}

export function defaultSecretResolver(env: NodeJS.ProcessEnv = process.env): SecretResolver {
  return env.PIPELINE_SECRET_ARN
    ? new SecretsManagerResolver(env.PIPELINE_SECRET_ARN)
    : new EnvSecretResolver(env);
}
