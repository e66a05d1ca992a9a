import { defaultSecretResolver, SecretResolver, SecretsManagerResolver } from '../shared/secrets';
import { settingsFromEnvironment, SourceSettings } from '../sources/source-settings';

/**
 * Where each source's secrets are read: the Secrets Manager secret its environment names
 * (`sourceSettings.<name>.secretArn`), or the pipeline's own (SourceCredentials in AWS, environment
 * variables locally). One resolver per secret, so each is read once per container.
 */
export class SourceSecrets {
  private readonly own = new Map<string, SecretResolver>();
  private readonly pipeline: SecretResolver;
  private readonly settings: Record<string, SourceSettings>;

  constructor(env: NodeJS.ProcessEnv = process.env) {
    this.pipeline = defaultSecretResolver(env);
    this.settings = settingsFromEnvironment(env);
  }

  of(sourceName: string): SecretResolver {
    const secretArn = this.settings[sourceName]?.secretArn;
    if (!secretArn) return this.pipeline;
    let resolver = this.own.get(secretArn);
    if (!resolver) {
      resolver = new SecretsManagerResolver(secretArn);
      this.own.set(secretArn, resolver);
    }
    return resolver;
  }
}
