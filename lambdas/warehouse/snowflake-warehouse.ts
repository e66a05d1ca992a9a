import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { traced } from '../shared/tracer';
import { SECRET_MAX_AGE_SECONDS } from '../shared/secrets';
import { parseSnowflakeSecret, SnowflakeExecutor } from './snowflake-connection';
import type { SqlExecutor } from './sql-executor';
import { requiredEnv } from '../shared/required-env';

/** The environment's Snowflake database, reached with the credentials of its secret. */
export interface Warehouse {
  executor: SqlExecutor;
  database: string;
}

let warehouse: Promise<Warehouse> | undefined;
let secrets: SecretsProvider | undefined;
let lastOpenFailed = false;

/** True where the stack configured Snowflake for this function (SNOWFLAKE_* variables). */
export const snowflakeConfigured = () => Boolean(process.env.SNOWFLAKE_DATABASE);

async function openWarehouse(): Promise<Warehouse> {
  const secretArn = requiredEnv('SNOWFLAKE_SECRET_ARN');
  // Read through Powertools' cache, kept five minutes: a connection opened after a key rotation (a new
  // container, or one whose connection failed) uses the new key. After a failed open (a secret being
  // fixed, a key being rotated), the next one reads it afresh.
  secrets ??= new SecretsProvider({ awsSdkV3Client: traced(new SecretsManagerClient({})) });
  const secret = await secrets.get(secretArn, { maxAge: SECRET_MAX_AGE_SECONDS, forceFetch: lastOpenFailed });
  return {
    executor: new SnowflakeExecutor(parseSnowflakeSecret(secret as string | undefined, secretArn), {
      warehouse: requiredEnv('SNOWFLAKE_WAREHOUSE'),
    }),
    database: requiredEnv('SNOWFLAKE_DATABASE').toUpperCase(),
  };
}

/** The connection is opened once per container and kept (a container serves many invocations). */
export function connectedWarehouse(): Promise<Warehouse> {
  warehouse ??= openWarehouse().then(
    (opened) => {
      lastOpenFailed = false;
      return opened;
    },
    (error: unknown) => {
      warehouse = undefined;
      lastOpenFailed = true;
      throw error;
    },
  );
  return warehouse;
}

/** For tests: use this warehouse instead of the one the environment names. */
export function useWarehouse(replacement: Warehouse | undefined): void {
  warehouse = replacement && Promise.resolve(replacement);
}
