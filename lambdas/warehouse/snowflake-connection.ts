import snowflake from 'snowflake-sdk';
import * as z from 'zod';
import { ConfigError } from '../shared/errors';
import { logger } from '../shared/logger';
import type { SqlBind, SqlExecutor, SqlRow } from './sql-executor';
import { describeIssues } from '../shared/zod-issues';

/**
 * The Snowflake connection secret (JSON in Secrets Manager). Key-pair authentication is the default;
 * a password is accepted, and is the second-best choice (docs/snowflake.md).
 */
export const snowflakeSecretSchema = z
  .object({
    account: z.string().min(1),
    user: z.string().min(1),
    role: z.string().min(1).optional(),
    privateKey: z.string().includes('PRIVATE KEY', { message: 'a PEM private key' }).optional(),
    privateKeyPassphrase: z.string().optional(),
    password: z.string().min(1).optional(),
  })
  .refine((secret) => secret.privateKey || secret.password, {
    message: 'give privateKey (key-pair authentication) or password',
  });

export type SnowflakeSecret = z.infer<typeof snowflakeSecretSchema>;

export function parseSnowflakeSecret(value: string | undefined, secretId: string): SnowflakeSecret {
  let candidate: unknown;
  try {
    candidate = JSON.parse(value ?? '');
  } catch {
    throw new ConfigError(
      `the Snowflake secret ${secretId} is not JSON`,
      {},
      'store {"account", "user", "privateKey"} as the secret value (docs/snowflake.md)',
    );
  }
  const parsed = snowflakeSecretSchema.safeParse(candidate);
  if (!parsed.success) {
    // Field names only: a value of this secret must never reach a message.
    const problems = describeIssues(parsed.error).map((problem) => problem.split(':')[0]);
    throw new ConfigError(
      `the Snowflake secret ${secretId} is incomplete (${problems.join(', ')})`,
      {},
      'store {"account", "user", "privateKey"} (or "password") as the secret value (docs/snowflake.md)',
    );
  }
  return parsed.data;
}

// The driver writes its own log: to /tmp (Lambda's only writable place), and warnings to ours.
snowflake.configure({
  logLevel: 'WARN',
  logFilePath: '/tmp',
  customLogger: {
    error: (message: string) => logger.error(message),
    warn: (message: string) => logger.warn(message),
    info: () => undefined,
    debug: () => undefined,
    trace: () => undefined,
  },
});

/** How long a statement may run, and wait for a lock, before Snowflake cancels it. */
export interface StatementLimits {
  /** @default 600 s: under the 15 minutes of a pipeline function, so the step fails with Snowflake's error, not a Lambda timeout */
  statementTimeoutSeconds?: number;
  /**
   * @default 420 s: long enough for Snowflake to abort a transaction a stopped invocation left open
   * (after 5 idle minutes once it blocks another), far shorter than Snowflake's own 12 hours
   */
  lockTimeoutSeconds?: number;
}

export const DEFAULT_STATEMENT_TIMEOUT_SECONDS = 600;
export const DEFAULT_LOCK_TIMEOUT_SECONDS = 420;

/** The session settings every connection starts with: bounded time for each statement and each lock wait. */
export function sessionLimits(limits: StatementLimits = {}): string {
  const statement = limits.statementTimeoutSeconds ?? DEFAULT_STATEMENT_TIMEOUT_SECONDS;
  const lock = limits.lockTimeoutSeconds ?? DEFAULT_LOCK_TIMEOUT_SECONDS;
  return `ALTER SESSION SET STATEMENT_TIMEOUT_IN_SECONDS = ${Math.round(statement)} LOCK_TIMEOUT = ${Math.round(lock)}`;
}

/** Runs statements on one Snowflake connection, opened on first use, its time per statement bounded. */
export class SnowflakeExecutor implements SqlExecutor {
  private connection?: Promise<snowflake.Connection>;

  constructor(
    private readonly secret: SnowflakeSecret,
    private readonly session: { warehouse: string; database?: string } & StatementLimits,
  ) {}

  async execute(sqlText: string, binds?: SqlBind[]): Promise<SqlRow[]> {
    return run(await (this.connection ??= this.connect()), sqlText, binds);
  }

  async close(): Promise<void> {
    const connection = await this.connection?.catch(() => undefined);
    this.connection = undefined;
    if (connection) await new Promise<void>((resolve) => connection.destroy(() => resolve()));
  }

  private connect(): Promise<snowflake.Connection> {
    const { secret } = this;
    const connection = snowflake.createConnection({
      account: secret.account,
      username: secret.user,
      role: secret.role,
      warehouse: this.session.warehouse,
      ...(secret.privateKey
        ? {
            authenticator: 'SNOWFLAKE_JWT',
            privateKey: secret.privateKey,
            privateKeyPass: secret.privateKeyPassphrase,
          }
        : { password: secret.password }),
    });
    const connected = connection.connectAsync().catch((error: Error) => {
      this.connection = undefined;
      throw new ConfigError(
        `cannot connect to Snowflake account ${secret.account} as ${secret.user} (${error.name})`,
        {},
        'check the account identifier, user, key or password in the Snowflake secret, and that the user may use the warehouse',
        { cause: error },
      );
    });
    return connected.then(async (open) => {
      await run(open, sessionLimits(this.session));
      return open;
    });
  }
}

function run(connection: snowflake.Connection, sqlText: string, binds?: SqlBind[]): Promise<SqlRow[]> {
  return new Promise((resolve, reject) => {
    connection.execute({
      sqlText,
      ...(binds ? { binds: binds as snowflake.Binds } : {}),
      complete: (error, _statement, rows) => (error ? reject(error) : resolve((rows ?? []) as SqlRow[])),
    });
  });
}
