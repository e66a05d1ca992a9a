import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { handleSetupEvent, onEvent } from '../../lambdas/snowflake-setup/handler';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { logger } from '../../lambdas/shared/logger';
import { loadMigrations } from '../../lambdas/warehouse/migrations';
import { sqlDirectory } from '../../lambdas/warehouse/sql-directory';
import { cleanModelStatements } from '../../lambdas/warehouse/clean-models';
import { SnowpipeSetup } from '../../lambdas/snowflake-setup/setup';
import type { SnowpipeProperties } from '../../lambdas/warehouse/snowpipe-objects';
import { parseSnowflakeSecret } from '../../lambdas/warehouse/snowflake-connection';
import { CapturedLogger } from '../support/environment';
import { RecordingExecutor } from '../support/recording-executor';

const properties: SnowpipeProperties = {
  secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:pipeline/snowflake',
  database: 'pipeline_prod',
  warehouse: 'pipeline_wh',
  integrationName: 'pipeline_prod_s3',
  accessRoleArn: 'arn:aws:iam::123456789012:role/pipeline-prod-snowflake-access',
  bucketName: 'pipeline-prod-transformed',
  tables: [
    {
      name: 'FAKESTORE__CARTS',
      prefix: 'fakestore/carts/',
      columns: [
        { name: 'ID', type: 'integer' },
        { name: 'DATE', type: 'timestamp' },
      ],
    },
    {
      name: 'FAKESTORE__CARTS__PRODUCTS',
      prefix: 'fakestore/carts__products/',
      columns: [{ name: 'QUANTITY', type: 'integer' }],
    },
  ],
  removalPolicy: 'retain',
  publishedBy: 'run',
  owner: 'pipeline-prod (prod)',
};
/** What every object this resource creates for `properties` says it is. */
const OWNED = "COMMENT = 'managed by the CloudFormation stack pipeline-prod (prod); dropped with it'";
/** The real-time path's table: gzip JSON lines from Firehose. */
const streamTable: SnowpipeProperties['tables'][number] = {
  name: 'STREAM__EVENTS',
  prefix: 'stream/events/',
  format: 'jsonl',
  columns: [{ name: 'ID', type: 'string' }],
};
const migrations = loadMigrations(join(sqlDirectory(), 'migrations'), {
  database: 'PIPELINE_PROD',
  warehouse: 'PIPELINE_WH',
});
const cleanModels = cleanModelStatements();

/** The database, integrations and roles there (what is in a database goes with it). */
const accountObjects = (executor: RecordingExecutor) =>
  [...executor.existing].filter((name) => !name.includes('.'));

function setup(executor = new RecordingExecutor()) {
  const logs = new CapturedLogger();
  return {
    executor,
    logs,
    setup: new SnowpipeSetup({ executor, migrations, cleanModels, logger: logs }),
  };
}

describe('Snowpipe custom resource: Create', () => {
  it('creates database, integration, format, stage, a table and an auto-ingest pipe per table, then migrates', async () => {
    const { executor, setup: snowpipe } = setup();
    const attributes = await snowpipe.create(properties);
    const ddl = executor.statements.filter((statement) => /^(CREATE|ALTER|DROP|DESC|SHOW)/.test(statement));
    expect(ddl.slice(0, 16)).toEqual([
      // What is there already, and whose (nothing: the database is new, so nothing inside it exists).
      "SHOW DATABASES LIKE 'PIPELINE_PROD'",
      "SHOW INTEGRATIONS LIKE 'PIPELINE_PROD_S3'",
      // The account-level roles migration V001 creates.
      "SHOW ROLES LIKE 'PIPELINE_PROD_LOADER'",
      "SHOW ROLES LIKE 'PIPELINE_PROD_TRANSFORMER'",
      "SHOW ROLES LIKE 'PIPELINE_PROD_ANALYST'",
      `CREATE DATABASE IF NOT EXISTS PIPELINE_PROD ${OWNED}`,
      'CREATE SCHEMA IF NOT EXISTS PIPELINE_PROD.RAW',
      'CREATE SCHEMA IF NOT EXISTS PIPELINE_PROD.CLEAN',
      'CREATE SCHEMA IF NOT EXISTS PIPELINE_PROD.ANALYTICS',
      'CREATE SCHEMA IF NOT EXISTS PIPELINE_PROD.PIPELINE',
      expect.stringMatching(/^CREATE TABLE IF NOT EXISTS PIPELINE_PROD\.PIPELINE\.MIGRATIONS/),
      `CREATE STORAGE INTEGRATION IF NOT EXISTS PIPELINE_PROD_S3 TYPE = EXTERNAL_STAGE STORAGE_PROVIDER = 'S3' ENABLED = TRUE STORAGE_AWS_ROLE_ARN = 'arn:aws:iam::123456789012:role/pipeline-prod-snowflake-access' STORAGE_ALLOWED_LOCATIONS = ('s3://pipeline-prod-transformed/') ${OWNED}`,
      `CREATE FILE FORMAT IF NOT EXISTS PIPELINE_PROD.RAW.PARQUET_FORMAT TYPE = PARQUET USE_LOGICAL_TYPE = TRUE ${OWNED}`,
      `CREATE STAGE IF NOT EXISTS PIPELINE_PROD.RAW.TRANSFORMED_STAGE URL = 's3://pipeline-prod-transformed/' STORAGE_INTEGRATION = PIPELINE_PROD_S3 FILE_FORMAT = PIPELINE_PROD.RAW.PARQUET_FORMAT ${OWNED}`,
      'CREATE TABLE IF NOT EXISTS PIPELINE_PROD.RAW.FAKESTORE__CARTS (ID NUMBER(38,0), DATE TIMESTAMP_TZ, _FILE_NAME VARCHAR, _FILE_ROW_NUMBER NUMBER(38,0), _LOADED_AT TIMESTAMP_LTZ)',
      `CREATE PIPE IF NOT EXISTS PIPELINE_PROD.RAW.FAKESTORE__CARTS_PIPE AUTO_INGEST = TRUE ${OWNED} AS COPY INTO PIPELINE_PROD.RAW.FAKESTORE__CARTS FROM @PIPELINE_PROD.RAW.TRANSFORMED_STAGE/fakestore/carts/ FILE_FORMAT = (FORMAT_NAME = PIPELINE_PROD.RAW.PARQUET_FORMAT) MATCH_BY_COLUMN_NAME = CASE_INSENSITIVE INCLUDE_METADATA = (_FILE_NAME = METADATA$FILENAME, _FILE_ROW_NUMBER = METADATA$FILE_ROW_NUMBER, _LOADED_AT = METADATA$START_SCAN_TIME) ON_ERROR = SKIP_FILE PATTERN = '.*[.]parquet'`,
    ]);
    expect(attributes).toEqual({
      StorageAwsIamUserArn: 'arn:aws:iam::999999999999:user/abc1-s-snowflake',
      StorageAwsExternalId: 'ACME_SFCRole=2_abcdefg=',
      NotificationChannel: 'arn:aws:sqs:eu-west-1:999999999999:sf-snowpipe-AIDA-xyz',
      AppliedMigrations: migrations.map((migration) => migration.version).join(','),
    });
    expect(JSON.stringify(attributes).length).toBeLessThan(4096);
  });

  it('applies each migration once, in order, templated for the environment, and records it', async () => {
    const { executor, setup: snowpipe } = setup();
    await snowpipe.create(properties);
    const migrationStatements = executor.statements.filter((statement) =>
      /^(create role|grant|create table if not exists analytics|create masking)/.test(statement),
    );
    expect(migrationStatements[0]).toBe('create role if not exists PIPELINE_PROD_loader');
    expect(migrationStatements).toContain(
      'grant usage on warehouse PIPELINE_WH to role PIPELINE_PROD_analyst',
    );
    expect([...executor.migrations.keys()]).toEqual(['V001', 'V002', 'V003', 'V004', 'V005']);
    // A second Create (CloudFormation retrying) applies nothing twice.
    const before = executor.statements.length;
    await snowpipe.create(properties);
    const again = executor.statements.slice(before);
    expect(again.filter((statement) => statement.startsWith('create role'))).toEqual([]);
    expect(again.filter((statement) => /successfully created/.test(statement))).toEqual([]);
  });

  it('runs one statement per call: none carries a second one or a comment after its semicolon', () => {
    // Snowflake refuses a call holding more statements than it asked for (`-- noqa: PRS` after `;` did).
    for (const migration of migrations)
      for (const statement of migration.statements) expect(statement).not.toMatch(/;/);
  });

  it('refuses a migration edited after it was applied', async () => {
    const { executor, setup: snowpipe } = setup();
    await snowpipe.create(properties);
    executor.migrations.set('V002', 'an-older-checksum');
    await expect(snowpipe.update(properties, properties)).rejects.toThrow(
      'migration V002__pipeline_runs_and_dq_results changed after it was applied: add a new migration instead of editing it',
    );
  });

  it('drops what it made when a Create fails half-way, and only that', async () => {
    const executor = new RecordingExecutor();
    // The database was there before, adopted: it must survive the cleanup.
    executor.existing.add('PIPELINE_PROD');
    executor.failOn = /^CREATE PIPE .*FAKESTORE__CARTS__PRODUCTS_PIPE/;
    const { setup: snowpipe } = setup(executor);
    await expect(snowpipe.create({ ...properties, adoptExisting: ['PIPELINE_PROD'] })).rejects.toThrow(
      /Insufficient privileges/,
    );
    const cleanup = executor.statements.slice(
      executor.statements.findIndex((statement) => executor.failOn!.test(statement)) + 1,
    );
    expect(cleanup).toEqual([
      'DROP TABLE IF EXISTS PIPELINE_PROD.RAW.FAKESTORE__CARTS__PRODUCTS',
      'DROP PIPE IF EXISTS PIPELINE_PROD.RAW.FAKESTORE__CARTS_PIPE',
      'DROP TABLE IF EXISTS PIPELINE_PROD.RAW.FAKESTORE__CARTS',
      'DROP STAGE IF EXISTS PIPELINE_PROD.RAW.TRANSFORMED_STAGE',
      'DROP FILE FORMAT IF EXISTS PIPELINE_PROD.RAW.PARQUET_FORMAT',
      'DROP STORAGE INTEGRATION IF EXISTS PIPELINE_PROD_S3',
    ]);
    expect(executor.existing.has('PIPELINE_PROD')).toBe(true);
  });
});

describe('Snowpipe custom resource: CLEAN in Snowflake', () => {
  it("creates each batch table's CLEAN table with no stream or task: only a run publishes to it, after its gate", async () => {
    const { executor, setup: snowpipe } = setup();
    await snowpipe.create(properties);
    const model = cleanModels.get('FAKESTORE__CARTS__PRODUCTS')!;
    expect(executor.statements).toContain(model.create);
    expect(executor.statements.filter((statement) => /STREAM|TASK/.test(statement))).toEqual([]);
  });

  it("merges the stream's table from a task on its RAW table's stream, as events arrive", async () => {
    const { executor, setup: snowpipe } = setup();
    await snowpipe.create({ ...properties, tables: [streamTable] });
    const merge = executor.statements.find((statement) =>
      statement.startsWith('CREATE OR REPLACE TASK PIPELINE_PROD.CLEAN.STREAM__EVENTS_MERGE'),
    )!;
    expect(merge).toContain(
      "WAREHOUSE = PIPELINE_WH SCHEDULE = '5 MINUTE' WHEN SYSTEM$STREAM_HAS_DATA('PIPELINE_PROD.RAW.STREAM__EVENTS_STREAM') AS merge into clean.stream__events as t",
    );
    // The model's statement, reading the stream where the model reads the RAW table.
    expect(merge).toContain('from PIPELINE_PROD.RAW.STREAM__EVENTS_STREAM');
    expect(merge).not.toMatch(/from raw\.stream__events\b/);
    expect(executor.statements).toContain(
      'CREATE STREAM IF NOT EXISTS PIPELINE_PROD.RAW.STREAM__EVENTS_STREAM ON TABLE PIPELINE_PROD.RAW.STREAM__EVENTS APPEND_ONLY = TRUE',
    );
    expect(executor.statements).toContain('ALTER TASK PIPELINE_PROD.CLEAN.STREAM__EVENTS_MERGE RESUME');
  });

  it('loads the stream table from gzip JSON lines, matched by column name', async () => {
    const { executor, setup: snowpipe } = setup();
    await snowpipe.create({ ...properties, tables: [streamTable] });
    expect(executor.statements).toContain(
      `CREATE PIPE IF NOT EXISTS PIPELINE_PROD.RAW.STREAM__EVENTS_PIPE AUTO_INGEST = TRUE ${OWNED} AS COPY INTO PIPELINE_PROD.RAW.STREAM__EVENTS FROM @PIPELINE_PROD.RAW.TRANSFORMED_STAGE/stream/events/ FILE_FORMAT = (TYPE = JSON COMPRESSION = GZIP) MATCH_BY_COLUMN_NAME = CASE_INSENSITIVE INCLUDE_METADATA = (_FILE_NAME = METADATA$FILENAME, _FILE_ROW_NUMBER = METADATA$FILE_ROW_NUMBER, _LOADED_AT = METADATA$START_SCAN_TIME) ON_ERROR = SKIP_FILE PATTERN = '.*[.]jsonl[.]gz'`,
    );
  });

  it("lets Snowpipe add an evolving contract's new columns to its RAW table, on Create and on Update", async () => {
    const events = {
      name: 'EVENTS_OAUTH__EVENTS',
      prefix: 'events_oauth/events/',
      columns: [{ name: 'ID', type: 'string' as const }],
    };
    const { executor, setup: snowpipe } = setup();
    await snowpipe.create({ ...properties, tables: [{ ...events, evolves: true }] });
    expect(executor.statements).toContain(
      'CREATE TABLE IF NOT EXISTS PIPELINE_PROD.RAW.EVENTS_OAUTH__EVENTS (ID VARCHAR, _FILE_NAME VARCHAR, _FILE_ROW_NUMBER NUMBER(38,0), _LOADED_AT TIMESTAMP_LTZ) ENABLE_SCHEMA_EVOLUTION = TRUE',
    );
    // A table made before its contract evolved gets the setting once, on the Update that evolves it.
    const before = executor.statements.length;
    await snowpipe.update(
      { ...properties, tables: [{ ...events, evolves: true }] },
      { ...properties, tables: [events] },
    );
    await snowpipe.update(
      { ...properties, tables: [{ ...events, evolves: true }] },
      { ...properties, tables: [{ ...events, evolves: true }] },
    );
    expect(
      executor.statements.slice(before).filter((statement) => statement.includes('SCHEMA_EVOLUTION')),
    ).toEqual(['ALTER TABLE PIPELINE_PROD.RAW.EVENTS_OAUTH__EVENTS SET ENABLE_SCHEMA_EVOLUTION = TRUE']);
  });

  it('retires, on the Update from a version without write-audit-publish, the tasks that published outside the run', async () => {
    const executor = new RecordingExecutor();
    const { setup: snowpipe } = setup(executor);
    const older: SnowpipeProperties = { ...properties };
    delete older.publishedBy;
    await snowpipe.create(properties);
    const updating = executor.statements.length;
    executor.respond = (sqlText) =>
      sqlText.startsWith('SHOW TASKS')
        ? [{ name: 'FAKESTORE_REVENUE_BY_USER_REFRESH' }, { name: 'GFN_FOOTPRINT_VS_BIOCAPACITY_REFRESH' }]
        : undefined;
    await snowpipe.update(properties, older);
    const retired = executor.statements
      .slice(updating)
      .filter((statement) => /^(DROP (TASK|STREAM)|SHOW TASKS)/.test(statement));
    expect(retired).toEqual([
      'DROP TASK IF EXISTS PIPELINE_PROD.CLEAN.FAKESTORE__CARTS_PRUNE',
      'DROP TASK IF EXISTS PIPELINE_PROD.CLEAN.FAKESTORE__CARTS_MERGE',
      'DROP STREAM IF EXISTS PIPELINE_PROD.RAW.FAKESTORE__CARTS_STREAM',
      'DROP TASK IF EXISTS PIPELINE_PROD.CLEAN.FAKESTORE__CARTS__PRODUCTS_PRUNE',
      'DROP TASK IF EXISTS PIPELINE_PROD.CLEAN.FAKESTORE__CARTS__PRODUCTS_MERGE',
      'DROP STREAM IF EXISTS PIPELINE_PROD.RAW.FAKESTORE__CARTS__PRODUCTS_STREAM',
      "SHOW TASKS LIKE '%_REFRESH' IN SCHEMA PIPELINE_PROD.ANALYTICS",
      'DROP TASK IF EXISTS PIPELINE_PROD.ANALYTICS.FAKESTORE_REVENUE_BY_USER_REFRESH',
      'DROP TASK IF EXISTS PIPELINE_PROD.ANALYTICS.GFN_FOOTPRINT_VS_BIOCAPACITY_REFRESH',
    ]);
    // Once retired, later Updates leave the tasks alone.
    const before = executor.statements.length;
    await snowpipe.update(properties, properties);
    expect(executor.statements.slice(before).filter((statement) => /TASK|STREAM/.test(statement))).toEqual(
      [],
    );
  });

  it('masks personal columns in CLEAN with the policy of their type, after the migration that creates the policies', async () => {
    const { executor, setup: snowpipe } = setup();
    const withPersonal: SnowpipeProperties = {
      ...properties,
      tables: [
        {
          name: 'FAKESTORE__USERS',
          prefix: 'fakestore/users/',
          columns: [
            { name: 'ID', type: 'integer' },
            { name: 'EMAIL', type: 'string', personal: true },
            { name: 'ADDRESS__GEOLOCATION__LAT', type: 'number', personal: true },
          ],
        },
      ],
    };
    await snowpipe.create(withPersonal);
    const masking = executor.statements.filter((statement) => statement.includes('SET MASKING POLICY'));
    expect(masking).toEqual([
      'ALTER TABLE IF EXISTS PIPELINE_PROD.CLEAN.FAKESTORE__USERS MODIFY COLUMN EMAIL SET MASKING POLICY PIPELINE_PROD.CLEAN.PERSONAL_DATA FORCE',
      'ALTER TABLE IF EXISTS PIPELINE_PROD.CLEAN.FAKESTORE__USERS MODIFY COLUMN ADDRESS__GEOLOCATION__LAT SET MASKING POLICY PIPELINE_PROD.CLEAN.PERSONAL_NUMBER FORCE',
    ]);
    const policyCreated = executor.statements.findIndex((statement) =>
      statement.startsWith('create masking policy'),
    );
    expect(policyCreated).toBeGreaterThan(-1);
    expect(executor.statements.indexOf(masking[0]!)).toBeGreaterThan(policyCreated);
  });
});

describe('Snowpipe custom resource: Update and Delete', () => {
  it('changes only what changed: a new column, a new table with its pipe, a dropped table loses only its pipe', async () => {
    const { executor, setup: snowpipe } = setup();
    await snowpipe.create(properties);
    const next: SnowpipeProperties = {
      ...properties,
      tables: [
        {
          ...properties.tables[0]!,
          columns: [...properties.tables[0]!.columns, { name: 'COUPON', type: 'string' }],
        },
        { name: 'FAKESTORE__USERS', prefix: 'fakestore/users/', columns: [{ name: 'ID', type: 'integer' }] },
      ],
    };
    const before = executor.statements.length;
    await snowpipe.update(next, properties);
    // Each statement by what it does and to what (the merge bodies are checked above).
    const ddl = executor.statements
      .slice(before)
      .filter((statement) => /^(CREATE|ALTER|DROP)/.test(statement))
      .map((statement) =>
        statement
          .split(' AS ')[0]!
          .split(' (')[0]!
          .replace(/ WAREHOUSE = .*/, ''),
      );
    expect(ddl).toEqual([
      'ALTER TABLE PIPELINE_PROD.RAW.FAKESTORE__CARTS ADD COLUMN IF NOT EXISTS COUPON VARCHAR',
      'ALTER TABLE PIPELINE_PROD.CLEAN.FAKESTORE__CARTS ADD COLUMN IF NOT EXISTS COUPON VARCHAR',
      'CREATE TABLE IF NOT EXISTS PIPELINE_PROD.RAW.FAKESTORE__USERS',
      // (cut at its first " (": the comment names the stack, then its environment in brackets)
      "CREATE PIPE IF NOT EXISTS PIPELINE_PROD.RAW.FAKESTORE__USERS_PIPE AUTO_INGEST = TRUE COMMENT = 'managed by the CloudFormation stack pipeline-prod",
      'DROP PIPE IF EXISTS PIPELINE_PROD.RAW.FAKESTORE__CARTS__PRODUCTS_PIPE',
    ]);
    // Nothing else was touched: no task, no migration re-run.
    expect(executor.statements.slice(before).some((statement) => statement.includes('_REFRESH'))).toBe(false);
    expect(executor.statements.slice(before).some((statement) => statement.startsWith('create role'))).toBe(
      false,
    );
  });

  it('refuses a column whose type changed, naming it, before it touches anything', async () => {
    const { executor, setup: snowpipe } = setup();
    await snowpipe.create(properties);
    const before = executor.statements.length;
    const retyped: SnowpipeProperties = {
      ...properties,
      tables: [
        {
          ...properties.tables[0]!,
          columns: [{ name: 'ID', type: 'number' }, properties.tables[0]!.columns[1]!],
        },
        properties.tables[1]!,
      ],
    };
    await expect(snowpipe.update(retyped, properties)).rejects.toThrow(
      'the contracts change the type of 1 column(s) Snowflake already holds: FAKESTORE__CARTS.ID: integer (NUMBER(38,0)) → number (FLOAT). Snowflake cannot change a column to another type in place',
    );
    expect(
      executor.statements.slice(before).filter((statement) => /^(CREATE|ALTER|DROP)/.test(statement)),
    ).toEqual([]);
    // string and json are one Snowflake type (VARCHAR): nothing to refuse, nothing to run.
    const text: SnowpipeProperties = {
      ...properties,
      tables: [{ ...properties.tables[1]!, columns: [{ name: 'QUANTITY', type: 'string' }] }],
    };
    const json: SnowpipeProperties = {
      ...properties,
      tables: [{ ...properties.tables[1]!, columns: [{ name: 'QUANTITY', type: 'json' }] }],
    };
    await expect(snowpipe.update(json, text)).resolves.toBeDefined();
  });

  it("replaces the stream's MERGE task when its CLEAN model changed, and only then", async () => {
    const { executor, setup: snowpipe } = setup();
    const streaming: SnowpipeProperties = { ...properties, tables: [streamTable], modelsVersion: 'a' };
    await snowpipe.create(streaming);
    const tasks = (from: number) =>
      executor.statements.slice(from).filter((statement) => statement.startsWith('CREATE OR REPLACE TASK'));
    let before = executor.statements.length;
    await snowpipe.update(streaming, streaming);
    expect(tasks(before)).toEqual([]);
    before = executor.statements.length;
    await snowpipe.update({ ...streaming, modelsVersion: 'b' }, streaming);
    expect(tasks(before)).toEqual([
      expect.stringMatching(/^CREATE OR REPLACE TASK PIPELINE_PROD\.CLEAN\.STREAM__EVENTS_MERGE /),
    ]);
  });

  /** The statements an Update from `from` to `to` runs that change something (reads left out). */
  async function updateStatements(from: SnowpipeProperties, to: SnowpipeProperties) {
    const { executor, setup: snowpipe } = setup();
    await snowpipe.create(from);
    const before = executor.statements.length;
    await snowpipe.update(to, from);
    return executor.statements
      .slice(before)
      .filter((statement) => /^(CREATE|ALTER|DROP|GRANT|REVOKE)/i.test(statement));
  }

  it('makes a pipe anew when where or what it loads changed, and queues the files it missed', async () => {
    const moved: SnowpipeProperties = {
      ...properties,
      tables: [{ ...properties.tables[0]!, prefix: 'fakestore/carts_v2/' }, properties.tables[1]!],
    };
    const statements = await updateStatements(properties, moved);
    expect(statements.filter((statement) => /PIPE /.test(statement))).toEqual([
      'DROP PIPE IF EXISTS PIPELINE_PROD.RAW.FAKESTORE__CARTS_PIPE',
      expect.stringMatching(
        /^CREATE PIPE IF NOT EXISTS PIPELINE_PROD\.RAW\.FAKESTORE__CARTS_PIPE .* FROM @PIPELINE_PROD\.RAW\.TRANSFORMED_STAGE\/fakestore\/carts_v2\/ /,
      ),
      'ALTER PIPE PIPELINE_PROD.RAW.FAKESTORE__CARTS_PIPE REFRESH',
    ]);
    // Columns, masking and ownership are not the pipe's definition: the same properties touch no pipe.
    expect(
      (await updateStatements(properties, properties)).filter((statement) => /PIPE /.test(statement)),
    ).toEqual([]);
  });

  it('gives a table that is now streamed its stream and MERGE task, and takes them from one that no longer is', async () => {
    const batch: SnowpipeProperties = { ...properties, tables: [{ ...streamTable, format: 'parquet' }] };
    const streamed: SnowpipeProperties = { ...properties, tables: [streamTable] };
    const toStream = await updateStatements(batch, streamed);
    expect(toStream).toEqual(
      expect.arrayContaining([
        'CREATE STREAM IF NOT EXISTS PIPELINE_PROD.RAW.STREAM__EVENTS_STREAM ON TABLE PIPELINE_PROD.RAW.STREAM__EVENTS APPEND_ONLY = TRUE',
        expect.stringMatching(/^CREATE OR REPLACE TASK PIPELINE_PROD\.CLEAN\.STREAM__EVENTS_MERGE /),
        'ALTER TASK PIPELINE_PROD.CLEAN.STREAM__EVENTS_MERGE RESUME',
        expect.stringMatching(/^CREATE PIPE .* FILE_FORMAT = \(TYPE = JSON COMPRESSION = GZIP\)/),
      ]),
    );
    const toBatch = await updateStatements(streamed, batch);
    expect(toBatch).toEqual(
      expect.arrayContaining([
        'DROP TASK IF EXISTS PIPELINE_PROD.CLEAN.STREAM__EVENTS_MERGE',
        'DROP STREAM IF EXISTS PIPELINE_PROD.RAW.STREAM__EVENTS_STREAM',
        expect.stringMatching(
          /^CREATE PIPE .* FILE_FORMAT = \(FORMAT_NAME = PIPELINE_PROD\.RAW\.PARQUET_FORMAT\)/,
        ),
      ]),
    );
    expect(toBatch.some((statement) => statement.startsWith('CREATE OR REPLACE TASK'))).toBe(false);
    // A streamed table no longer produced: its task and stream go with its pipe; its data stays.
    const removed = await updateStatements(
      { ...properties, tables: [properties.tables[0]!, streamTable] },
      { ...properties, tables: [properties.tables[0]!] },
    );
    expect(removed).toEqual([
      'DROP TASK IF EXISTS PIPELINE_PROD.CLEAN.STREAM__EVENTS_PRUNE',
      'DROP TASK IF EXISTS PIPELINE_PROD.CLEAN.STREAM__EVENTS_MERGE',
      'DROP STREAM IF EXISTS PIPELINE_PROD.RAW.STREAM__EVENTS_STREAM',
      'DROP PIPE IF EXISTS PIPELINE_PROD.RAW.STREAM__EVENTS_PIPE',
    ]);
  });

  it('turns schema evolution off for a contract that no longer evolves', async () => {
    const evolving: SnowpipeProperties = {
      ...properties,
      tables: [{ ...properties.tables[0]!, evolves: true }],
    };
    const fixed: SnowpipeProperties = { ...properties, tables: [properties.tables[0]!] };
    expect(await updateStatements(evolving, fixed)).toEqual([
      'ALTER TABLE PIPELINE_PROD.RAW.FAKESTORE__CARTS SET ENABLE_SCHEMA_EVOLUTION = FALSE',
    ]);
  });

  it("moves to a new warehouse: the stream's MERGE task runs on it, and the roles' grants on it move with it", async () => {
    const streaming: SnowpipeProperties = { ...properties, tables: [streamTable] };
    const statements = await updateStatements(streaming, { ...streaming, warehouse: 'BIGGER_WH' });
    expect(statements).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^CREATE OR REPLACE TASK PIPELINE_PROD\.CLEAN\.STREAM__EVENTS_MERGE WAREHOUSE = BIGGER_WH /,
        ),
      ]),
    );
    // The migrations of these tests are templated for PIPELINE_WH (the handler templates them for the
    // new warehouse): what matters is grant on the new one, revoke on the old one, for the same role.
    const { executor, setup: snowpipe } = setup();
    await snowpipe.create({ ...streaming, warehouse: 'OLD_WH' });
    const before = executor.statements.length;
    await snowpipe.update(streaming, { ...streaming, warehouse: 'OLD_WH' });
    expect(
      executor.statements
        .slice(before)
        .filter((statement) => /^(grant|revoke) .* warehouse/i.test(statement)),
    ).toEqual([
      'grant usage on warehouse PIPELINE_WH to role PIPELINE_PROD_transformer',
      'revoke usage on warehouse OLD_WH from role PIPELINE_PROD_transformer',
      'grant usage on warehouse PIPELINE_WH to role PIPELINE_PROD_analyst',
      'revoke usage on warehouse OLD_WH from role PIPELINE_PROD_analyst',
    ]);
  });

  it('claims the load-errors integration an Update adds, as Create would: one already there and not its own is refused', async () => {
    const loadErrors = {
      topicArn: 'arn:aws:sns:eu-west-1:123456789012:pipeline-prod-snowflake-load-errors',
      roleArn: 'arn:aws:iam::123456789012:role/pipeline-prod-snowflake-load-errors',
    };
    const { executor, setup: snowpipe } = setup();
    await snowpipe.create(properties);
    executor.existing.add('PIPELINE_PROD_LOAD_ERRORS');
    const before = executor.statements.length;
    await expect(snowpipe.update({ ...properties, loadErrors }, properties)).rejects.toThrow(
      /^NOTIFICATION INTEGRATION PIPELINE_PROD_LOAD_ERRORS already exists and was not created by this stack/,
    );
    expect(
      executor.statements.slice(before).filter((statement) => /^(CREATE|ALTER|DROP)/.test(statement)),
    ).toEqual([]);
  });

  it('unmasks a CLEAN column that is no longer personal data, and masks one that now is', async () => {
    const { executor, setup: snowpipe } = setup();
    const users = (email: boolean, phone: boolean): SnowpipeProperties => ({
      ...properties,
      tables: [
        {
          name: 'FAKESTORE__USERS',
          prefix: 'fakestore/users/',
          columns: [
            { name: 'EMAIL', type: 'string', ...(email ? { personal: true } : {}) },
            { name: 'PHONE', type: 'string', ...(phone ? { personal: true } : {}) },
          ],
        },
      ],
    });
    await snowpipe.create(users(true, false));
    const before = executor.statements.length;
    await snowpipe.update(users(false, true), users(true, false));
    expect(executor.statements.slice(before).filter((statement) => /MASKING POLICY/.test(statement))).toEqual(
      [
        'ALTER TABLE IF EXISTS PIPELINE_PROD.CLEAN.FAKESTORE__USERS MODIFY COLUMN EMAIL UNSET MASKING POLICY',
        'ALTER TABLE IF EXISTS PIPELINE_PROD.CLEAN.FAKESTORE__USERS MODIFY COLUMN PHONE SET MASKING POLICY PIPELINE_PROD.CLEAN.PERSONAL_DATA FORCE',
      ],
    );
  });

  it('points the integration and the stage at a new bucket or role', async () => {
    const { executor, setup: snowpipe } = setup();
    await snowpipe.create(properties);
    const before = executor.statements.length;
    await snowpipe.update({ ...properties, bucketName: 'other-bucket' }, properties);
    expect(executor.statements.slice(before).filter((statement) => statement.startsWith('ALTER'))).toEqual([
      "ALTER STORAGE INTEGRATION PIPELINE_PROD_S3 SET STORAGE_AWS_ROLE_ARN = 'arn:aws:iam::123456789012:role/pipeline-prod-snowflake-access' STORAGE_ALLOWED_LOCATIONS = ('s3://other-bucket/')",
      "ALTER STAGE PIPELINE_PROD.RAW.TRANSFORMED_STAGE SET URL = 's3://other-bucket/'",
    ]);
  });

  it('keeps the data on Delete with retain, drops the database with destroy, and tolerates objects already gone', async () => {
    const retained = setup();
    await retained.setup.create(properties);
    const before = retained.executor.statements.length;
    await retained.setup.delete(properties);
    expect(
      retained.executor.statements.slice(before).filter((statement) => statement.startsWith('DROP')),
    ).toEqual([
      'DROP PIPE IF EXISTS PIPELINE_PROD.RAW.FAKESTORE__CARTS__PRODUCTS_PIPE',
      'DROP PIPE IF EXISTS PIPELINE_PROD.RAW.FAKESTORE__CARTS_PIPE',
      'DROP STAGE IF EXISTS PIPELINE_PROD.RAW.TRANSFORMED_STAGE',
      'DROP FILE FORMAT IF EXISTS PIPELINE_PROD.RAW.PARQUET_FORMAT',
      'DROP STORAGE INTEGRATION IF EXISTS PIPELINE_PROD_S3',
    ]);
    expect(retained.logs.lines).toContainEqual({
      level: 'warn',
      message: 'snowflake objects left in place',
      data: [
        {
          left: [
            'DATABASE PIPELINE_PROD (removal policy retain: its data stays)',
            ...['LOADER', 'TRANSFORMER', 'ANALYST'].map(
              (role) =>
                `ROLE PIPELINE_PROD_${role} (removal policy retain: it grants access to the data that stays)`,
            ),
          ],
        },
      ],
    });
    // The roles the migrations made go with the database, and nothing of the account is left.
    const destroyed = setup();
    await destroyed.setup.create(properties);
    await destroyed.setup.delete({ ...properties, removalPolicy: 'destroy' });
    expect(
      destroyed.executor.statements.filter((statement) => statement.startsWith('DROP')).slice(-4),
    ).toEqual([
      'DROP DATABASE IF EXISTS PIPELINE_PROD',
      'DROP ROLE IF EXISTS PIPELINE_PROD_LOADER',
      'DROP ROLE IF EXISTS PIPELINE_PROD_TRANSFORMER',
      'DROP ROLE IF EXISTS PIPELINE_PROD_ANALYST',
    ]);
    expect(accountObjects(destroyed.executor)).toEqual([]);
    // Everything already gone: nothing to drop, nothing fails.
    const gone = setup();
    await gone.setup.delete({ ...properties, removalPolicy: 'destroy' });
    expect(gone.executor.statements.filter((statement) => statement.startsWith('DROP'))).toEqual([]);
  });

  it('refuses names that are not plain identifiers (they go into SQL text)', async () => {
    const { setup: snowpipe } = setup();
    await expect(snowpipe.create({ ...properties, database: 'prod; drop database x' })).rejects.toThrow(
      'database "prod; drop database x" is not a plain Snowflake identifier',
    );
  });
});

describe('Snowpipe custom resource: load errors reported (ON_ERROR = SKIP_FILE, ERROR_INTEGRATION)', () => {
  const loadErrors = {
    topicArn: 'arn:aws:sns:eu-west-1:123456789012:pipeline-prod-snowflake-load-errors',
    roleArn: 'arn:aws:iam::123456789012:role/pipeline-prod-snowflake-load-errors',
  };
  const withErrors: SnowpipeProperties = { ...properties, loadErrors };

  it('creates the notification integration, gives every pipe it, and returns the user and external id to trust', async () => {
    const { executor, setup: snowpipe } = setup();
    const attributes = await snowpipe.create(withErrors);
    expect(executor.statements).toContain(
      `CREATE NOTIFICATION INTEGRATION IF NOT EXISTS PIPELINE_PROD_LOAD_ERRORS ENABLED = TRUE TYPE = QUEUE DIRECTION = OUTBOUND NOTIFICATION_PROVIDER = AWS_SNS AWS_SNS_TOPIC_ARN = 'arn:aws:sns:eu-west-1:123456789012:pipeline-prod-snowflake-load-errors' AWS_SNS_ROLE_ARN = 'arn:aws:iam::123456789012:role/pipeline-prod-snowflake-load-errors' ${OWNED}`,
    );
    const pipes = executor.statements.filter((statement) => statement.startsWith('CREATE PIPE'));
    expect(pipes).toHaveLength(2);
    for (const pipe of pipes)
      expect(pipe).toMatch(
        /AUTO_INGEST = TRUE ERROR_INTEGRATION = PIPELINE_PROD_LOAD_ERRORS COMMENT = '[^']*' AS COPY .* ON_ERROR = SKIP_FILE /,
      );
    expect(attributes).toMatchObject({
      LoadErrorsAwsIamUserArn: 'arn:aws:iam::999999999999:user/abc1-s-snowflake',
      LoadErrorsAwsExternalId: 'ACME_SFCRole=2_errors=',
    });
  });

  it('on Update, creates the integration and sets it on pipes made before it existed', async () => {
    const { executor, setup: snowpipe } = setup();
    await snowpipe.create(properties);
    const before = executor.statements.length;
    await snowpipe.update(withErrors, properties);
    const update = executor.statements.slice(before);
    expect(update).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^CREATE NOTIFICATION INTEGRATION IF NOT EXISTS PIPELINE_PROD_LOAD_ERRORS /),
        'ALTER PIPE PIPELINE_PROD.RAW.FAKESTORE__CARTS_PIPE SET ERROR_INTEGRATION = PIPELINE_PROD_LOAD_ERRORS',
        'ALTER PIPE PIPELINE_PROD.RAW.FAKESTORE__CARTS__PRODUCTS_PIPE SET ERROR_INTEGRATION = PIPELINE_PROD_LOAD_ERRORS',
      ]),
    );
    // A changed topic or role is altered in place.
    const again = executor.statements.length;
    await snowpipe.update(
      { ...withErrors, loadErrors: { ...loadErrors, topicArn: `${loadErrors.topicArn}-2` } },
      withErrors,
    );
    expect(executor.statements.slice(again)).toContainEqual(
      expect.stringMatching(
        /^ALTER NOTIFICATION INTEGRATION PIPELINE_PROD_LOAD_ERRORS SET AWS_SNS_TOPIC_ARN = '.*-2'/,
      ),
    );
  });

  it('drops the integration on Delete, and when a Create that made it fails', async () => {
    const { executor, setup: snowpipe } = setup();
    await snowpipe.create(withErrors);
    await snowpipe.delete(withErrors);
    expect(executor.statements).toContain(
      'DROP NOTIFICATION INTEGRATION IF EXISTS PIPELINE_PROD_LOAD_ERRORS',
    );

    const failing = new RecordingExecutor();
    failing.failOn = /^CREATE STAGE/;
    await expect(setup(failing).setup.create(withErrors)).rejects.toThrow(/Insufficient privileges/);
    expect(failing.statements).toContain('DROP NOTIFICATION INTEGRATION IF EXISTS PIPELINE_PROD_LOAD_ERRORS');
  });
});

describe('Snowpipe custom resource: ownership', () => {
  const ddl = (executor: RecordingExecutor) =>
    executor.statements.filter((statement) => /^(CREATE|ALTER|DROP)/.test(statement));

  it('refuses to Create over a database it did not create, naming it and the setting that adopts it, and makes nothing', async () => {
    const executor = new RecordingExecutor();
    executor.existing.add('PIPELINE_PROD'); // another stack's, or made by hand: no comment of ours
    executor.comments.set('PIPELINE_PROD', 'production data');
    const { setup: snowpipe } = setup(executor);
    await expect(snowpipe.create(properties)).rejects.toThrow(
      'DATABASE PIPELINE_PROD already exists and was not created by this stack (its comment is not "managed by the CloudFormation stack pipeline-prod (prod); dropped with it"): taking it over would let this stack drop it when the stack is deleted. Use another name, or, if this stack should own it from now on, add "PIPELINE_PROD" to snowflake.adoptExisting',
    );
    expect(ddl(executor)).toEqual([]);
    // And the Delete CloudFormation sends after that failed Create drops nothing at all.
    const deleting = await handleSetupEvent(
      {
        RequestType: 'Delete',
        ResourceProperties: {
          ServiceToken: 'x',
          Config: JSON.stringify({ ...properties, removalPolicy: 'destroy' }),
        },
        PhysicalResourceId: 'the-request-id-of-the-failed-create',
      } as unknown as CloudFormationCustomResourceEvent,
      { connect: async () => executor },
    );
    expect(deleting.PhysicalResourceId).toBe('the-request-id-of-the-failed-create');
    expect(ddl(executor)).toEqual([]);
    expect(executor.existing.has('PIPELINE_PROD')).toBe(true);
  });

  it('refuses an integration of the same name too (account-level: another environment may use it)', async () => {
    const executor = new RecordingExecutor();
    executor.existing.add('PIPELINE_PROD_S3');
    await expect(setup(executor).setup.create(properties)).rejects.toThrow(
      /^STORAGE INTEGRATION PIPELINE_PROD_S3 already exists and was not created by this stack/,
    );
    expect(ddl(executor)).toEqual([]);
  });

  it('takes over what adoptExisting names, marks it, and from then on treats it as its own', async () => {
    const executor = new RecordingExecutor();
    executor.existing.add('PIPELINE_PROD');
    const { setup: snowpipe } = setup(executor);
    await snowpipe.create({ ...properties, adoptExisting: ['pipeline_prod'] });
    expect(ddl(executor)[0]).toBe(`ALTER DATABASE PIPELINE_PROD SET ${OWNED}`);
    // A retried Create finds it marked: no second adoption needed.
    await snowpipe.create(properties);
    const before = executor.statements.length;
    await snowpipe.delete({ ...properties, removalPolicy: 'destroy' });
    expect(executor.statements.slice(before)).toContain('DROP DATABASE IF EXISTS PIPELINE_PROD');
  });

  it('leaves on Delete what is not its own, inside its database too, and says so', async () => {
    const { executor, setup: snowpipe, logs } = setup();
    await snowpipe.create(properties);
    // Someone made a pipe of the same name by hand after the deploy (no comment of ours).
    executor.comments.set('PIPELINE_PROD.RAW.FAKESTORE__CARTS_PIPE', '');
    const before = executor.statements.length;
    await snowpipe.delete({ ...properties, removalPolicy: 'destroy' });
    const drops = executor.statements.slice(before).filter((statement) => statement.startsWith('DROP'));
    expect(drops).not.toContain('DROP PIPE IF EXISTS PIPELINE_PROD.RAW.FAKESTORE__CARTS_PIPE');
    expect(drops).toContain('DROP PIPE IF EXISTS PIPELINE_PROD.RAW.FAKESTORE__CARTS__PRODUCTS_PIPE');
    expect(logs.text()).toContain('PIPE PIPELINE_PROD.RAW.FAKESTORE__CARTS_PIPE (not created by this stack)');
  });

  it('marks, on the Update from a stack made before ownership was marked, what that stack made', async () => {
    const executor = new RecordingExecutor();
    const { setup: snowpipe } = setup(executor);
    const unmarked: SnowpipeProperties = { ...properties };
    delete unmarked.owner;
    await snowpipe.create(unmarked);
    expect(executor.comments.size).toBe(0);
    const before = executor.statements.length;
    await snowpipe.update(properties, unmarked);
    expect(
      executor.statements.slice(before).filter((statement) => statement.includes('SET COMMENT')),
    ).toEqual([
      `ALTER DATABASE PIPELINE_PROD SET ${OWNED}`,
      `ALTER INTEGRATION PIPELINE_PROD_S3 SET ${OWNED}`,
      `ALTER ROLE PIPELINE_PROD_LOADER SET ${OWNED}`,
      `ALTER ROLE PIPELINE_PROD_TRANSFORMER SET ${OWNED}`,
      `ALTER ROLE PIPELINE_PROD_ANALYST SET ${OWNED}`,
      `ALTER FILE FORMAT PIPELINE_PROD.RAW.PARQUET_FORMAT SET ${OWNED}`,
      `ALTER STAGE PIPELINE_PROD.RAW.TRANSFORMED_STAGE SET ${OWNED}`,
      `ALTER PIPE PIPELINE_PROD.RAW.FAKESTORE__CARTS_PIPE SET ${OWNED}`,
      `ALTER PIPE PIPELINE_PROD.RAW.FAKESTORE__CARTS__PRODUCTS_PIPE SET ${OWNED}`,
    ]);
  });

  it('marks the roles its migrations make, refuses a role of the same name it did not make, and drops its roles only with its database', async () => {
    const { executor, setup: snowpipe } = setup();
    await snowpipe.create(properties);
    for (const role of ['LOADER', 'TRANSFORMER', 'ANALYST'])
      expect(executor.comments.get(`PIPELINE_PROD_${role}`)).toBe(OWNED.slice("COMMENT = '".length, -1));
    // Left behind by someone else (or by a stack from before roles were marked): Create names it.
    const other = new RecordingExecutor();
    other.existing.add('PIPELINE_PROD_ANALYST');
    await expect(setup(other).setup.create(properties)).rejects.toThrow(
      /^ROLE PIPELINE_PROD_ANALYST already exists and was not created by this stack .* add "PIPELINE_PROD_ANALYST" to snowflake.adoptExisting/,
    );
    expect(ddl(other)).toEqual([]);
    // A Create that fails after its migrations drops the roles they made, with the rest.
    const failing = new RecordingExecutor();
    failing.failOn = /^DESC STORAGE INTEGRATION/;
    await expect(setup(failing).setup.create(properties)).rejects.toThrow(/Insufficient privileges/);
    expect(failing.statements).toContain('DROP ROLE IF EXISTS PIPELINE_PROD_LOADER');
    expect(accountObjects(failing)).toEqual([]);
  });
});

describe('Snowpipe custom resource: the Provider handler', () => {
  const event = (type: 'Create' | 'Update' | 'Delete', extra: object = {}) =>
    ({
      RequestType: type,
      ResourceProperties: { ServiceToken: 'x', Config: JSON.stringify(properties) },
      PhysicalResourceId: 'snowflake:PIPELINE_PROD:PIPELINE_PROD_S3',
      ...extra,
    }) as unknown as CloudFormationCustomResourceEvent;

  it('answers Create with a stable physical id and the attributes, and closes the connection', async () => {
    const executor = new RecordingExecutor();
    const answer = await handleSetupEvent(event('Create'), { connect: async () => executor });
    expect(answer.PhysicalResourceId).toBe('snowflake:PIPELINE_PROD:PIPELINE_PROD_S3');
    expect(answer.Data?.StorageAwsExternalId).toBe('ACME_SFCRole=2_abcdefg=');
    expect(executor.closed).toBe(true);
  });

  it('replaces (new physical id) when the database changes, and updates in place otherwise', async () => {
    const executor = new RecordingExecutor();
    const renamed = await handleSetupEvent(
      event('Update', {
        ResourceProperties: { Config: JSON.stringify({ ...properties, database: 'pipeline_prod2' }) },
        OldResourceProperties: { Config: JSON.stringify(properties) },
      }),
      { connect: async () => executor },
    );
    expect(renamed.PhysicalResourceId).toBe('snowflake:PIPELINE_PROD2:PIPELINE_PROD_S3');
    const existing = new RecordingExecutor();
    await handleSetupEvent(event('Create'), { connect: async () => existing });
    const same = await handleSetupEvent(
      event('Update', { OldResourceProperties: { Config: JSON.stringify(properties) } }),
      {
        connect: async () => existing,
      },
    );
    expect(same.PhysicalResourceId).toBe('snowflake:PIPELINE_PROD:PIPELINE_PROD_S3');
  });

  it('is called by Lambda with (event, context): it reads the secret the properties name, whatever the second argument', async () => {
    const secrets = mockClient(SecretsManagerClient);
    try {
      // A secret without its key: the handler got as far as reading it (and names what is missing).
      secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ account: 'acme-x1' }) });
      const lambdaContext = { getRemainingTimeInMillis: () => 600_000, functionName: 'setup' };
      await expect(onEvent(event('Create'), lambdaContext)).rejects.toThrow(/user/);
      expect(secrets.commandCalls(GetSecretValueCommand)[0]!.args[0].input).toEqual({
        SecretId: properties.secretArn,
      });
    } finally {
      secrets.restore();
    }
  });

  it('completes a Create retried after a mid-way failure: each object once, nothing left over from the first try', async () => {
    const executor = new RecordingExecutor();
    executor.failOn = /^CREATE STAGE/;
    const snowpipe = setup(executor).setup;
    await expect(snowpipe.create(properties)).rejects.toThrow(/Insufficient privileges/);
    expect([...executor.existing]).toEqual(
      // What is inside the database went with it (the recording executor does not cascade).
      [...executor.existing].filter((name) => name.startsWith('PIPELINE_PROD.')),
    );
    expect(executor.existing.has('PIPELINE_PROD')).toBe(false);
    // The privilege is granted; CloudFormation retries (a new Create).
    executor.failOn = undefined;
    const first = executor.statements.length;
    await snowpipe.create(properties);
    const created = executor.statements
      .slice(first)
      .filter((statement) => /^CREATE (DATABASE|STORAGE INTEGRATION|FILE FORMAT|STAGE|PIPE)/.test(statement))
      .map((statement) => statement.split(' ').slice(0, 6).join(' '));
    expect(created).toEqual([...new Set(created)]);
    expect(
      [...executor.existing].filter((name) => /_PIPE$|STAGE$|_S3$|^PIPELINE_PROD$/.test(name)).sort(),
    ).toEqual([
      'PIPELINE_PROD',
      'PIPELINE_PROD.RAW.FAKESTORE__CARTS_PIPE',
      'PIPELINE_PROD.RAW.FAKESTORE__CARTS__PRODUCTS_PIPE',
      'PIPELINE_PROD.RAW.TRANSFORMED_STAGE',
      'PIPELINE_PROD_S3',
    ]);
    // Everything it has is marked as its own, so a later Delete drops exactly it.
    for (const name of ['PIPELINE_PROD', 'PIPELINE_PROD_S3', 'PIPELINE_PROD.RAW.TRANSFORMED_STAGE'])
      expect(executor.comments.get(name)).toBe(
        'managed by the CloudFormation stack pipeline-prod (prod); dropped with it',
      );
  });

  it('stops a Create before a statement that could outrun the function, and drops what it made', async () => {
    const executor = new RecordingExecutor();
    let left = 600_000;
    const snowpipe = new SnowpipeSetup({
      executor,
      migrations,
      cleanModels,
      logger: new CapturedLogger(),
      // Each statement takes 20 s of the function's 10 minutes.
      remainingMs: () => (left -= 20_000),
    });
    await expect(snowpipe.create(properties)).rejects.toThrow(
      /^stopped before ".*": \d+ s left of the function's time, less than a statement may take; what this Create made is dropped again/,
    );
    // Everything it created is gone again (what is inside the database went with it): nothing is
    // orphaned for a Delete that will never come.
    expect(executor.statements).toContain('DROP DATABASE IF EXISTS PIPELINE_PROD');
    expect([...executor.existing].filter((name) => !name.startsWith('PIPELINE_PROD.'))).toEqual([]);
  });

  it('drops nothing on the Delete that follows a failed Create, and needs no secret for it', async () => {
    const connect = jest.fn(async () => {
      throw new Error('Secrets Manager can’t find the specified secret.');
    });
    await expect(
      handleSetupEvent(event('Delete', { PhysicalResourceId: 'request-id-of-the-failed-create' }), {
        connect,
      }),
    ).resolves.toEqual({ PhysicalResourceId: 'request-id-of-the-failed-create' });
    expect(connect).not.toHaveBeenCalled();
  });

  it('never fails a stack delete when Snowflake cannot be reached: it says what it left there', async () => {
    const errors: unknown[] = [];
    const spy = jest
      .spyOn(logger, 'error')
      .mockImplementation((...args: unknown[]) => void errors.push(args));
    try {
      const answer = await handleSetupEvent(event('Delete'), {
        connect: async () => {
          throw new Error('ResourceNotFoundException: Secrets Manager can’t find the specified secret.');
        },
      });
      expect(answer).toEqual({ PhysicalResourceId: 'snowflake:PIPELINE_PROD:PIPELINE_PROD_S3' });
      expect(JSON.stringify(errors)).toContain('DATABASE PIPELINE_PROD');
      expect(JSON.stringify(errors)).toContain('PIPE PIPELINE_PROD.RAW.FAKESTORE__CARTS_PIPE');
      expect(JSON.stringify(errors)).toContain('ResourceNotFoundException');
    } finally {
      spy.mockRestore();
    }
  });
});

describe('the Snowflake secret', () => {
  const privateKey =
    '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----';

  it('takes key-pair credentials, and names missing fields without showing any value', () => {
    expect(
      parseSnowflakeSecret(JSON.stringify({ account: 'acme-x1', user: 'PIPELINE', privateKey }), 'arn:s'),
    ).toMatchObject({
      account: 'acme-x1',
    });
    let message = '';
    try {
      parseSnowflakeSecret(JSON.stringify({ account: 'acme-x1', privateKey: 'not a key: hunter2' }), 'arn:s');
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/the Snowflake secret arn:s is incomplete \(user, privateKey/);
    expect(message).not.toContain('hunter2');
  });

  it('never puts a secret into the statements or the logs', async () => {
    const { executor, logs, setup: snowpipe } = setup();
    await snowpipe.create(properties);
    const everything = executor.statements.join('\n') + logs.text();
    expect(everything).not.toContain('PRIVATE KEY');
    expect(everything).not.toContain(properties.secretArn);
  });
});

describe('migration files', () => {
  it('fails on a placeholder nobody fills', () => {
    const directory = mkdtempSync(join(tmpdir(), 'migrations-'));
    writeFileSync(join(directory, 'V001__x.sql'), 'create schema {{ schema }};\n');
    expect(() => loadMigrations(directory, { database: 'D', warehouse: 'W' })).toThrow(
      'V001__x.sql uses {{ schema }}, which has no value',
    );
    rmSync(directory, { recursive: true, force: true });
  });
});
