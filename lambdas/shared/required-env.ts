import { ConfigError } from './errors';

/** A setting the function cannot run without; its absence is a ConfigError naming it. */
export function requiredEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (!value) throw new ConfigError(`${name} is not set`, {}, `set ${name} in the function environment`);
  return value;
}
