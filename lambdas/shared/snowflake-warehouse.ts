import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ConfigError } from './errors';
import { parseSnowflakeSecret, SnowflakeExecutor } from './snowflake-connection';
import type { SqlExecutor } from '../snowflake-setup/sql-executor';

/** The environment's Snowflake database, reached with the credentials of its secret. */
export interface Warehouse {
  executor: SqlExecutor;
  database: string;
}

let warehouse: Promise<Warehouse> | undefined;

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new ConfigError(`${name} is not set`, {}, `set ${name} in the function environment`);
  return value;
}

/** True where the stack configured Snowflake for this function (SNOWFLAKE_* variables). */
export const snowflakeConfigured = () => Boolean(process.env.SNOWFLAKE_DATABASE);

async function openWarehouse(): Promise<Warehouse> {
  const secretArn = requiredEnv('SNOWFLAKE_SECRET_ARN');
  const answer = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: secretArn }));
  return {
    executor: new SnowflakeExecutor(parseSnowflakeSecret(answer.SecretString, secretArn), {
      warehouse: requiredEnv('SNOWFLAKE_WAREHOUSE'),
    }),
    database: requiredEnv('SNOWFLAKE_DATABASE').toUpperCase(),
  };
}

/** The connection is opened once per container and kept (a container serves many invocations). */
export function connectedWarehouse(): Promise<Warehouse> {
  warehouse ??= openWarehouse().catch((error: unknown) => {
    warehouse = undefined;
    throw error;
  });
  return warehouse;
}

/** For tests: use this warehouse instead of the one the environment names. */
export function useWarehouse(replacement: Warehouse | undefined): void {
  warehouse = replacement && Promise.resolve(replacement);
}
