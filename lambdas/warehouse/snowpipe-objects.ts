import type { ColumnType } from '../contracts/table-spec';
import { snowflakeString } from '../shared/sql-text';

/** One RAW table Snowpipe loads: a transformed table's columns and the files it comes from. */
export interface RawTableSpec {
  /** `FAKESTORE__CARTS__PRODUCTS`: `<source>__<table>`, upper case as Snowflake folds it. */
  name: string;
  /** Where its Parquet parts are under the stage: `fakestore/carts__products/`. */
  prefix: string;
  columns: Array<{
    name: string;
    type: ColumnType;
    /** personal data: masked in CLEAN */ personal?: boolean;
  }>;
  /** What the files are: Parquet from validate (default), or gzip JSON lines from Firehose (the stream). */
  format?: 'parquet' | 'jsonl';
  /**
   * Its contract evolves (`mode: evolve`): a column validate adds to the Parquet is added to the table
   * by Snowpipe itself as it loads the file (Snowflake's table schema evolution), as the local Snowpipe
   * adds it to DuckDB's RAW table.
   */
  evolves?: boolean;
}

/** What the custom resource is asked to build (its CloudFormation properties; no secret among them). */
export interface SnowpipeProperties {
  /** Secrets Manager secret holding the connection (docs/snowflake.md). */
  secretArn: string;
  database: string;
  warehouse: string;
  integrationName: string;
  /** Fixed-name role Snowflake assumes to read the bucket; its ARN is known before it exists. */
  accessRoleArn: string;
  bucketName: string;
  tables: RawTableSpec[];
  /** `retain` leaves the database (and its data) when the stack is deleted. */
  removalPolicy: 'retain' | 'destroy';
  /**
   * Who owns what this resource creates: the stack and environment, written as the comment of every
   * database, integration, file format, stage and pipe it creates. Create takes over nothing that lacks
   * it, Delete drops nothing that lacks it. Absent in stacks deployed before ownership was marked,
   * whose next Update marks what they made.
   */
  owner?: string;
  /** Existing objects (by name, as in `adoptExisting`) Create may take over, marking them as its own. */
  adoptExisting?: string[];
  /** Hash of the CLEAN models: a changed model makes CloudFormation call Update. */
  modelsVersion?: string;
  /**
   * `run`: a run's quality step publishes the batch tables to CLEAN and rebuilds ANALYTICS (write,
   * audit, publish); only the stream's table is merged by a task. Absent in stacks deployed before
   * that, which the Update to this version clears of their batch tables' streams and MERGE tasks and
   * their ANALYTICS refresh tasks.
   */
  publishedBy?: 'run';
  /** Hash of sql/migrations: a new migration makes CloudFormation call Update, which applies it. */
  migrationsVersion?: string;
  /**
   * Where the pipes report a file they failed to load (Snowpipe error notifications): an SNS topic,
   * published to through a fixed-name role Snowflake assumes. Every pipe gets it as ERROR_INTEGRATION.
   */
  loadErrors?: { topicArn: string; roleArn: string };
}

export const snowflakeTypes: Record<ColumnType, string> = {
  string: 'VARCHAR',
  json: 'VARCHAR',
  integer: 'NUMBER(38,0)',
  number: 'FLOAT',
  boolean: 'BOOLEAN',
  timestamp: 'TIMESTAMP_TZ',
  date: 'DATE',
};

/** Columns Snowpipe adds from the file's metadata (INCLUDE_METADATA), the same as local mode's. */
const metadataColumns = [
  { name: '_FILE_NAME', type: 'VARCHAR', metadata: 'METADATA$FILENAME' },
  { name: '_FILE_ROW_NUMBER', type: 'NUMBER(38,0)', metadata: 'METADATA$FILE_ROW_NUMBER' },
  { name: '_LOADED_AT', type: 'TIMESTAMP_LTZ', metadata: 'METADATA$START_SCAN_TIME' },
];

const identifier = /^[A-Za-z_][A-Za-z0-9_$]*$/;

/** Names go into SQL text (Snowflake cannot bind identifiers): only plain identifiers are accepted. */
export function checkedIdentifier(name: string, what: string): string {
  if (!identifier.test(name)) throw new Error(`${what} "${name}" is not a plain Snowflake identifier`);
  return name.toUpperCase();
}

/** The kinds of object that carry the ownership comment, and how Snowflake lists them. */
export type OwnedKind =
  'DATABASE' | 'STORAGE INTEGRATION' | 'NOTIFICATION INTEGRATION' | 'ROLE' | 'FILE FORMAT' | 'STAGE' | 'PIPE';

/** Objects of the account rather than of the database: they are there (or not) whatever the database. */
export const accountLevel = (kind: OwnedKind) =>
  kind === 'DATABASE' || kind === 'ROLE' || kind.endsWith('INTEGRATION');

/** One object this resource may create: its kind, its full name, and its name as SHOW lists it. */
export interface OwnedObject {
  kind: OwnedKind;
  name: string;
  /** The last part of the name: what SHOW answers in `name`. */
  shortName: string;
}

/** The Snowflake objects of one environment, by fully qualified name. */
export class SnowpipeObjects {
  readonly database: string;
  readonly integration: string;
  readonly fileFormat: string;
  readonly stage: string;
  /** The notification integration the pipes send their load errors through (when `loadErrors` is set). */
  readonly errorIntegration?: string;

  /**
   * @param roles the account-level roles the migrations create (`rolesCreatedBy`): owned like the rest,
   *   dropped with the database.
   */
  constructor(
    private readonly properties: SnowpipeProperties,
    private readonly roles: string[] = [],
  ) {
    this.database = checkedIdentifier(properties.database, 'database');
    this.integration = checkedIdentifier(properties.integrationName, 'integration name');
    this.fileFormat = `${this.database}.RAW.PARQUET_FORMAT`;
    this.stage = `${this.database}.RAW.TRANSFORMED_STAGE`;
    if (properties.loadErrors) this.errorIntegration = `${this.database}_LOAD_ERRORS`;
  }

  table(spec: RawTableSpec): string {
    return `${this.database}.RAW.${checkedIdentifier(spec.name, 'table')}`;
  }

  pipe(spec: RawTableSpec): string {
    return `${this.database}.RAW.${checkedIdentifier(spec.name, 'table')}_PIPE`;
  }

  /** The comment that marks an object as this resource's (`owner`), or none for a stack from before. */
  get ownershipComment(): string | undefined {
    return (
      this.properties.owner && `managed by the CloudFormation stack ${this.properties.owner}; dropped with it`
    );
  }

  private commented(): string {
    const comment = this.ownershipComment;
    return comment ? ` COMMENT = ${snowflakeString(comment)}` : '';
  }

  /** Everything that carries the ownership comment, account-level objects first, pipes last. */
  ownedObjects(): OwnedObject[] {
    const short = (name: string) => name.split('.').at(-1)!;
    const of = (kind: OwnedKind, name: string): OwnedObject => ({ kind, name, shortName: short(name) });
    return [
      of('DATABASE', this.database),
      of('STORAGE INTEGRATION', this.integration),
      ...(this.errorIntegration ? [of('NOTIFICATION INTEGRATION', this.errorIntegration)] : []),
      ...this.roles.map((role) => of('ROLE', checkedIdentifier(role, 'role'))),
      of('FILE FORMAT', this.fileFormat),
      of('STAGE', this.stage),
      ...this.properties.tables.map((spec) => of('PIPE', this.pipe(spec))),
    ];
  }

  /** How Snowflake lists an object of this kind (LIKE matches `_` as any character: filter by name). */
  showOwned(object: OwnedObject): string {
    const like = `LIKE ${snowflakeString(object.shortName)}`;
    switch (object.kind) {
      case 'DATABASE':
        return `SHOW DATABASES ${like}`;
      case 'STORAGE INTEGRATION':
      case 'NOTIFICATION INTEGRATION':
        return `SHOW INTEGRATIONS ${like}`;
      case 'ROLE':
        return `SHOW ROLES ${like}`;
      case 'FILE FORMAT':
        return `SHOW FILE FORMATS ${like} IN SCHEMA ${this.database}.RAW`;
      case 'STAGE':
        return `SHOW STAGES ${like} IN SCHEMA ${this.database}.RAW`;
      case 'PIPE':
        // Every pipe at once: a table each, one round trip for all of them.
        return this.showPipes();
    }
  }

  /** Marks an object as this resource's: one it made before ownership was marked, or one it adopts. */
  markOwned(object: OwnedObject): string {
    const kind =
      object.kind === 'STORAGE INTEGRATION' || object.kind === 'NOTIFICATION INTEGRATION'
        ? 'INTEGRATION'
        : object.kind;
    return `ALTER ${kind} ${object.name} SET COMMENT = ${snowflakeString(this.ownershipComment!)}`;
  }

  dropOwned(object: OwnedObject): string {
    return `DROP ${object.kind} IF EXISTS ${object.name}`;
  }

  createDatabase(): string[] {
    return [
      `CREATE DATABASE IF NOT EXISTS ${this.database}${this.commented()}`,
      ...['RAW', 'CLEAN', 'ANALYTICS', 'PIPELINE'].map(
        (schema) => `CREATE SCHEMA IF NOT EXISTS ${this.database}.${schema}`,
      ),
      `CREATE TABLE IF NOT EXISTS ${this.database}.PIPELINE.MIGRATIONS (VERSION VARCHAR NOT NULL PRIMARY KEY, NAME VARCHAR NOT NULL, CHECKSUM VARCHAR NOT NULL, APPLIED_AT TIMESTAMP_LTZ NOT NULL)`,
    ];
  }

  /** Not in sqlfluff's Snowflake grammar, so built here and covered by the handler's tests. */
  createIntegration(): string {
    return `CREATE STORAGE INTEGRATION IF NOT EXISTS ${this.integration} TYPE = EXTERNAL_STAGE STORAGE_PROVIDER = 'S3' ENABLED = TRUE STORAGE_AWS_ROLE_ARN = ${snowflakeString(this.properties.accessRoleArn)} STORAGE_ALLOWED_LOCATIONS = (${snowflakeString(this.location())})${this.commented()}`;
  }

  alterIntegration(): string {
    return `ALTER STORAGE INTEGRATION ${this.integration} SET STORAGE_AWS_ROLE_ARN = ${snowflakeString(this.properties.accessRoleArn)} STORAGE_ALLOWED_LOCATIONS = (${snowflakeString(this.location())})`;
  }

  describeIntegration(): string {
    return `DESC STORAGE INTEGRATION ${this.integration}`;
  }

  /** Snowpipe error notifications, outbound to the load-errors topic (not in sqlfluff's grammar either). */
  createErrorIntegration(): string {
    const { topicArn, roleArn } = this.properties.loadErrors!;
    return `CREATE NOTIFICATION INTEGRATION IF NOT EXISTS ${this.errorIntegration} ENABLED = TRUE TYPE = QUEUE DIRECTION = OUTBOUND NOTIFICATION_PROVIDER = AWS_SNS AWS_SNS_TOPIC_ARN = ${snowflakeString(topicArn)} AWS_SNS_ROLE_ARN = ${snowflakeString(roleArn)}${this.commented()}`;
  }

  alterErrorIntegration(): string {
    const { topicArn, roleArn } = this.properties.loadErrors!;
    return `ALTER NOTIFICATION INTEGRATION ${this.errorIntegration} SET AWS_SNS_TOPIC_ARN = ${snowflakeString(topicArn)} AWS_SNS_ROLE_ARN = ${snowflakeString(roleArn)}`;
  }

  describeErrorIntegration(): string {
    return `DESC NOTIFICATION INTEGRATION ${this.errorIntegration}`;
  }

  /** For pipes made before error notifications existed (CREATE PIPE IF NOT EXISTS leaves them as they were). */
  setPipeErrorIntegration(spec: RawTableSpec): string {
    return `ALTER PIPE ${this.pipe(spec)} SET ERROR_INTEGRATION = ${this.errorIntegration}`;
  }

  createFileFormat(): string {
    return `CREATE FILE FORMAT IF NOT EXISTS ${this.fileFormat} TYPE = PARQUET USE_LOGICAL_TYPE = TRUE${this.commented()}`;
  }

  createStage(): string {
    return `CREATE STAGE IF NOT EXISTS ${this.stage} URL = ${snowflakeString(this.location())} STORAGE_INTEGRATION = ${this.integration} FILE_FORMAT = ${this.fileFormat}${this.commented()}`;
  }

  alterStage(): string {
    return `ALTER STAGE ${this.stage} SET URL = ${snowflakeString(this.location())}`;
  }

  createTable(spec: RawTableSpec): string {
    const columns = [
      ...spec.columns.map(
        (column) => `${checkedIdentifier(column.name, 'column')} ${snowflakeTypes[column.type]}`,
      ),
      ...metadataColumns.map((column) => `${column.name} ${column.type}`),
    ];
    const evolution = spec.evolves ? ' ENABLE_SCHEMA_EVOLUTION = TRUE' : '';
    return `CREATE TABLE IF NOT EXISTS ${this.table(spec)} (${columns.join(', ')})${evolution}`;
  }

  /** Whether Snowpipe may add the columns its files bring: a contract that now evolves, or no longer. */
  schemaEvolution(spec: RawTableSpec): string {
    return `ALTER TABLE ${this.table(spec)} SET ENABLE_SCHEMA_EVOLUTION = ${spec.evolves ? 'TRUE' : 'FALSE'}`;
  }

  addColumns(spec: RawTableSpec, added: RawTableSpec['columns']): string[] {
    return added.map(
      (column) =>
        `ALTER TABLE ${this.table(spec)} ADD COLUMN IF NOT EXISTS ${checkedIdentifier(column.name, 'column')} ${snowflakeTypes[column.type]}`,
    );
  }

  /**
   * Auto-ingest: each file under the table's prefix loads once, columns matched by name. A file that
   * fails to load is skipped whole (`ON_ERROR = SKIP_FILE`, Snowpipe's default, stated): no partial
   * file in RAW, the files after it load, and the error goes to the error integration.
   */
  createPipe(spec: RawTableSpec): string {
    const errors = this.errorIntegration ? ` ERROR_INTEGRATION = ${this.errorIntegration}` : '';
    return `CREATE PIPE IF NOT EXISTS ${this.pipe(spec)} AUTO_INGEST = TRUE${errors}${this.commented()} AS ${this.copyInto(spec)}`;
  }

  /** The pipe's definition: what it loads, from where, how. A pipe is made anew when this changes. */
  copyInto(spec: RawTableSpec): string {
    const metadata = metadataColumns.map((column) => `${column.name} = ${column.metadata}`).join(', ');
    const json = spec.format === 'jsonl';
    const format = json ? 'TYPE = JSON COMPRESSION = GZIP' : `FORMAT_NAME = ${this.fileFormat}`;
    const pattern = json ? '.*[.]jsonl[.]gz' : '.*[.]parquet';
    return `COPY INTO ${this.table(spec)} FROM @${this.stage}/${spec.prefix} FILE_FORMAT = (${format}) MATCH_BY_COLUMN_NAME = CASE_INSENSITIVE INCLUDE_METADATA = (${metadata}) ON_ERROR = SKIP_FILE PATTERN = '${pattern}'`;
  }

  /**
   * A pipe made anew misses the files that landed while it was away: this queues the last 7 days' files
   * under its prefix, and Snowflake skips each one the table or the pipe already loaded.
   */
  refreshPipe(spec: RawTableSpec): string {
    return `ALTER PIPE ${this.pipe(spec)} REFRESH`;
  }

  stream(spec: RawTableSpec): string {
    return `${this.database}.RAW.${checkedIdentifier(spec.name, 'table')}_STREAM`;
  }

  /** A table the streaming path fills (Firehose's JSON lines): a task merges it into CLEAN as it arrives. */
  static streamed(spec: RawTableSpec): boolean {
    return spec.format === 'jsonl';
  }

  /** What is new in a RAW table since CLEAN last merged it (rows are only ever appended to RAW). */
  createStream(spec: RawTableSpec): string {
    return `CREATE STREAM IF NOT EXISTS ${this.stream(spec)} ON TABLE ${this.table(spec)} APPEND_ONLY = TRUE`;
  }

  task(spec: RawTableSpec, kind: 'MERGE' | 'PRUNE'): string {
    return `${this.database}.CLEAN.${checkedIdentifier(spec.name, 'table')}_${kind}`;
  }

  /**
   * The CLEAN model's MERGE, run by a task whenever the RAW table's stream has rows: the model file's
   * statement with the RAW table swapped for its stream, so what merges is what arrived since last time.
   */
  createMergeTask(spec: RawTableSpec, mergeStatement: string): string {
    return `CREATE OR REPLACE TASK ${this.task(spec, 'MERGE')} WAREHOUSE = ${checkedIdentifier(this.properties.warehouse, 'warehouse')} SCHEDULE = '5 MINUTE' WHEN SYSTEM$STREAM_HAS_DATA('${this.stream(spec)}') AS ${mergeFromStream(mergeStatement, this.database, spec.name)}`;
  }

  /** A child table's clean-up of list items no longer in the parent's version, right after its merge. */
  createPruneTask(spec: RawTableSpec, deleteStatement: string): string {
    return `CREATE OR REPLACE TASK ${this.task(spec, 'PRUNE')} WAREHOUSE = ${checkedIdentifier(this.properties.warehouse, 'warehouse')} AFTER ${this.task(spec, 'MERGE')} AS ${deleteStatement}`;
  }

  resumeTask(spec: RawTableSpec, kind: 'MERGE' | 'PRUNE'): string {
    return `ALTER TASK ${this.task(spec, kind)} RESUME`;
  }

  /** A root task must be suspended before it or its children are replaced. */
  suspendTask(spec: RawTableSpec): string {
    return `ALTER TASK IF EXISTS ${this.task(spec, 'MERGE')} SUSPEND`;
  }

  /** The CLEAN table gains the columns its RAW table gained (the model's create-table only runs once). */
  addCleanColumns(spec: RawTableSpec, added: RawTableSpec['columns']): string[] {
    return this.addColumns(spec, added).map((statement) => statement.replace('.RAW.', '.CLEAN.'));
  }

  /**
   * What a stack deployed before write-audit-publish ran for a batch table: the stream and the tasks
   * that merged it into CLEAN every five minutes, unaudited. Children before their root.
   */
  dropBatchMerge(spec: RawTableSpec): string[] {
    return [
      `DROP TASK IF EXISTS ${this.task(spec, 'PRUNE')}`,
      `DROP TASK IF EXISTS ${this.task(spec, 'MERGE')}`,
      `DROP STREAM IF EXISTS ${this.stream(spec)}`,
    ];
  }

  /** The ANALYTICS refresh tasks of such a stack (each model rebuilt at 08:00 UTC, outside any run). */
  showRefreshTasks(): string {
    return `SHOW TASKS LIKE '%_REFRESH' IN SCHEMA ${this.database}.ANALYTICS`;
  }

  dropRefreshTask(name: string): string {
    return `DROP TASK IF EXISTS ${this.database}.ANALYTICS.${checkedIdentifier(name, 'task')}`;
  }

  /** Personal columns of the CLEAN table masked for every role but TRANSFORMER (policies: migration V003). */
  maskPersonalData(spec: RawTableSpec): string[] {
    return spec.columns
      .filter((column) => column.personal)
      .map((column) => {
        const policy = ['integer', 'number'].includes(column.type) ? 'PERSONAL_NUMBER' : 'PERSONAL_DATA';
        return `ALTER TABLE IF EXISTS ${this.database}.CLEAN.${checkedIdentifier(spec.name, 'table')} MODIFY COLUMN ${checkedIdentifier(column.name, 'column')} SET MASKING POLICY ${this.database}.CLEAN.${policy} FORCE`;
      });
  }

  /** Columns that are no longer personal data: their CLEAN column is shown as it is again. */
  unmask(spec: RawTableSpec, columns: RawTableSpec['columns']): string[] {
    return columns.map(
      (column) =>
        `ALTER TABLE IF EXISTS ${this.database}.CLEAN.${checkedIdentifier(spec.name, 'table')} MODIFY COLUMN ${checkedIdentifier(column.name, 'column')} UNSET MASKING POLICY`,
    );
  }

  showPipes(): string {
    return `SHOW PIPES IN SCHEMA ${this.database}.RAW`;
  }

  dropPipe(spec: RawTableSpec): string {
    return `DROP PIPE IF EXISTS ${this.pipe(spec)}`;
  }

  /** What Delete removes: pipes, stage, format and integration always; the database (data) only on `destroy`. */
  dropAll(): string[] {
    return [
      ...this.properties.tables.flatMap((spec) => [
        `DROP TASK IF EXISTS ${this.task(spec, 'PRUNE')}`,
        `DROP TASK IF EXISTS ${this.task(spec, 'MERGE')}`,
        this.dropPipe(spec),
      ]),
      `DROP STAGE IF EXISTS ${this.stage}`,
      `DROP FILE FORMAT IF EXISTS ${this.fileFormat}`,
      `DROP STORAGE INTEGRATION IF EXISTS ${this.integration}`,
      ...(this.errorIntegration ? [`DROP NOTIFICATION INTEGRATION IF EXISTS ${this.errorIntegration}`] : []),
      ...(this.properties.removalPolicy === 'destroy' ? [`DROP DATABASE IF EXISTS ${this.database}`] : []),
    ];
  }

  private location(): string {
    return `s3://${this.properties.bucketName}/`;
  }
}

/** A CLEAN model's MERGE reading the RAW table's stream (what arrived since the last merge) instead of the table. */
export function mergeFromStream(mergeStatement: string, database: string, table: string): string {
  const name = checkedIdentifier(table, 'table');
  return mergeStatement.replace(new RegExp(`\\braw\\.${name}\\b`, 'gi'), `${database}.RAW.${name}_STREAM`);
}
