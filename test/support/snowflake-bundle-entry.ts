/**
 * Bundled by test/warehouse/driver-parts-left-out.test.ts as a Snowflake step is: runs one statement
 * through the pipeline's own SnowflakeExecutor (key-pair sign-in) against the loopback Snowflake at
 * LOOPBACK_SNOWFLAKE_URL, and prints the rows as JSON.
 */
import snowflake from 'snowflake-sdk';
import { SnowflakeExecutor } from '../../lambdas/warehouse/snowflake-connection';

// The one change from a deployed function: where the account is (the driver's own option for it).
const createConnection = snowflake.createConnection.bind(snowflake);
snowflake.createConnection = (options) =>
  createConnection({ ...options, accessUrl: process.env.LOOPBACK_SNOWFLAKE_URL! });

async function main(): Promise<void> {
  const executor = new SnowflakeExecutor(
    {
      account: 'xy12345',
      user: 'PIPELINE',
      privateKey: process.env.LOOPBACK_PRIVATE_KEY!,
    },
    { warehouse: 'PIPELINE_WH' },
  );
  const rows = await executor.execute('select 42 as n, current_timestamp() as t');
  process.stdout.write(JSON.stringify(rows));
  await executor.close();
}

main().catch((error: Error) => {
  process.stderr.write(`${error.stack}\n${String((error.cause as Error | undefined)?.message)}\n`);
  process.exitCode = 1;
});
