import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { connectedWarehouse, useWarehouse } from '../../lambdas/warehouse/snowflake-warehouse';

const secretsManager = mockClient(SecretsManagerClient);
const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:pipeline/snowflake-AbCdEf';

describe("the run's Snowflake connection", () => {
  const saved = { ...process.env };
  beforeEach(() => {
    secretsManager.reset();
    useWarehouse(undefined);
    Object.assign(process.env, {
      SNOWFLAKE_SECRET_ARN: SECRET_ARN,
      SNOWFLAKE_WAREHOUSE: 'PIPELINE_WH',
      SNOWFLAKE_DATABASE: 'pipeline_prod',
    });
  });
  afterEach(() => {
    process.env = { ...saved };
    useWarehouse(undefined);
  });

  it('reads its credentials through the Parameters utility, once per container', async () => {
    secretsManager.on(GetSecretValueCommand).resolves({
      SecretString: JSON.stringify({ account: 'acme-xy12345', user: 'PIPELINE', password: 'p' }),
    });
    const warehouse = await connectedWarehouse();
    expect(warehouse.database).toBe('PIPELINE_PROD');
    expect(await connectedWarehouse()).toBe(warehouse);
    expect(
      secretsManager.commandCalls(GetSecretValueCommand).map((call) => call.args[0].input.SecretId),
    ).toEqual([SECRET_ARN]);
  });

  it('says what the secret lacks, and tries again on the next invocation', async () => {
    secretsManager
      .on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: 'not json' })
      .resolves({ SecretString: JSON.stringify({ account: 'a', user: 'u', password: 'p' }) });
    process.env.SNOWFLAKE_SECRET_ARN = `${SECRET_ARN}-fixed`;
    await expect(connectedWarehouse()).rejects.toThrow(
      `the Snowflake secret ${SECRET_ARN}-fixed is not JSON`,
    );
    // Fixed within the cache's five minutes: read afresh, not the bad value again.
    expect((await connectedWarehouse()).database).toBe('PIPELINE_PROD');
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });
});
