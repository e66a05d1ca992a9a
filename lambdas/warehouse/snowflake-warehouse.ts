import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { parseSnowflakeSecret, SnowflakeExecutor } from './snowflake-connection';
import type { SqlExecutor } from './sql-executor';
import { requiredEnv } from '../shared/required-env';

/** The environment's Snowflake database, reached with the credentials of its secret. */
export interface Warehouse {
  executor: SqlExecutor;
  database: string;
}

let warehouse: Promise<Warehouse> | undefined;

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
