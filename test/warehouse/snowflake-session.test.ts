import type * as Snowflake from 'snowflake-sdk';

/** snowflake-sdk at the edge: a connection that records what it is asked to run. */
const executed: string[] = [];
jest.mock('snowflake-sdk', () => ({
  configure: () => undefined,
  createConnection: () => ({
    connectAsync: async function (this: unknown) {
      return this;
    },
    execute: ({
      sqlText,
      complete,
    }: {
      sqlText: string;
      complete: Snowflake.StatementOption['complete'];
    }) => {
      executed.push(sqlText);
      complete?.(undefined as never, {} as never, []);
    },
  }),
}));

import { SnowflakeExecutor } from '../../lambdas/warehouse/snowflake-connection';

const secret = { account: 'acme-x1', user: 'PIPELINE', password: 'not-a-real-one' };

describe('a Snowflake session', () => {
  beforeEach(() => (executed.length = 0));

  it("bounds every statement's time and every lock wait before it runs anything", async () => {
    const executor = new SnowflakeExecutor(secret as never, { warehouse: 'PIPELINE_WH' });
    await executor.execute('select 1');
    await executor.execute('select 2');
    expect(executed).toEqual([
      'ALTER SESSION SET STATEMENT_TIMEOUT_IN_SECONDS = 600 LOCK_TIMEOUT = 420',
      'select 1',
      'select 2',
    ]);
  });

  it('takes tighter limits where the function has less time (the custom resource)', async () => {
    const executor = new SnowflakeExecutor(secret as never, {
      warehouse: 'PIPELINE_WH',
      statementTimeoutSeconds: 240,
      lockTimeoutSeconds: 120,
    });
    await executor.execute('select 1');
    expect(executed[0]).toBe('ALTER SESSION SET STATEMENT_TIMEOUT_IN_SECONDS = 240 LOCK_TIMEOUT = 120');
  });
});
