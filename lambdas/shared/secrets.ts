import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { ConfigError } from './errors';
import { traced } from './tracer';

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
 * How long a warm function keeps a secret before reading it again: a rotated secret reaches every
 * function within five minutes, and a run of many invocations reads it about once per container.
 */
export const SECRET_MAX_AGE_SECONDS = 300;

/**
 * In AWS, all of a pipeline's API secrets live in one Secrets Manager secret whose value is a JSON object
 * keyed by logical name, read through Powertools' Parameters utility and kept `SECRET_MAX_AGE_SECONDS`.
 */
export class SecretsManagerResolver implements SecretResolver {
  private readonly provider: SecretsProvider;

  constructor(
    private readonly secretId: string,
    client: SecretsManagerClient = new SecretsManagerClient({}),
  ) {
    this.provider = new SecretsProvider({ awsSdkV3Client: traced(client) });
  }

  async resolve(name: string): Promise<string> {
    const value = (await this.load())[name];
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
    let parsed: unknown;
    try {
      parsed = await this.provider.get(this.secretId, { maxAge: SECRET_MAX_AGE_SECONDS, transform: 'json' });
    } catch (error) {
      throw this.unreadable(error);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw this.unreadable(new Error('not a JSON object'));
    return parsed as Record<string, string>;
  }

  private unreadable(error: unknown): ConfigError {
    // Powertools wraps what Secrets Manager said (GetParameterError): name that, not the wrapper.
    const cause = ((error as Error).cause ?? error) as Error;
    return new ConfigError(
      `cannot read the Secrets Manager secret ${this.secretId} (${cause.name})`,
      {},
      'check that the secret exists, holds a JSON object, and that the function may call secretsmanager:GetSecretValue on it',
      { cause: error },
    );
  }
}

export function defaultSecretResolver(env: NodeJS.ProcessEnv = process.env): SecretResolver {
  return env.PIPELINE_SECRET_ARN
    ? new SecretsManagerResolver(env.PIPELINE_SECRET_ARN)
    : new EnvSecretResolver(env);
}
