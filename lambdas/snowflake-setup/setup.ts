import type { PipelineLogger } from '../shared/logger';
import type { CleanStatements } from '../warehouse/clean-models';
import { Migration, roleCreatedBy, rolesCreatedBy } from '../warehouse/migrations';
import { TIME_PER_STATEMENT_MS } from './time-limits';
import type { SqlExecutor, SqlRow } from '../warehouse/sql-executor';
import {
  accountLevel,
  checkedIdentifier,
  OwnedObject,
  RawTableSpec,
  snowflakeTypes,
  SnowpipeObjects,
  SnowpipeProperties,
} from '../warehouse/snowpipe-objects';

/** What CloudFormation gets back (well under its 4 KiB response limit). */
export interface SnowpipeAttributes {
  StorageAwsIamUserArn: string;
  StorageAwsExternalId: string;
  /** The SQS queue Snowflake listens on for this account and region (every pipe shares it). */
  NotificationChannel: string;
  AppliedMigrations: string;
  /** The user and external id Snowflake publishes load errors as (when `loadErrors` is set): the errors role trusts them. */
  LoadErrorsAwsIamUserArn?: string;
  LoadErrorsAwsExternalId?: string;
}

export interface SetupDeps {
  executor: SqlExecutor;
  migrations: Migration[];
  /** The CLEAN models by table (upper case): the create-table, merge and (child tables) delete statements. */
  cleanModels: Map<string, CleanStatements>;
  logger: PipelineLogger;
  /** The function's time left: no statement starts that its statement timeout could carry past it. */
  remainingMs?: () => number;
  /**
   * A dry run (`npm run ops -- snowflake-plan`): the executor records the statements instead of running
   * them, so the attributes, read from what Create would have made, are not read.
   */
  planOnly?: boolean;
}

const created = (rows: SqlRow[]) =>
  rows.some((row) => /successfully created/i.test(String(row.status ?? '')));

/**
 * Creates and keeps up to date the Snowflake side of one environment, statement by statement, each
 * idempotent (IF NOT EXISTS, ADD COLUMN IF NOT EXISTS), so a retried Create or Update is harmless.
 */
export class SnowpipeSetup {
  private readonly madeByThisRun: string[] = [];

  constructor(private readonly deps: SetupDeps) {}

  /** Create: everything. A failure drops what this Create made, then re-throws (no Delete follows a failed Create). */
  async create(properties: SnowpipeProperties): Promise<SnowpipeAttributes | undefined> {
    const objects = this.objectsOf(properties);
    await this.claim(objects, properties.adoptExisting ?? []);
    try {
      // Dropping the database (if this Create made it) takes its schemas with it.
      const [createDatabase, ...createSchemas] = objects.createDatabase();
      await this.run(createDatabase!, `DROP DATABASE IF EXISTS ${objects.database}`);
      for (const statement of createSchemas) await this.run(statement);
      await this.run(
        objects.createIntegration(),
        `DROP STORAGE INTEGRATION IF EXISTS ${objects.integration}`,
      );
      if (objects.errorIntegration)
        await this.run(
          objects.createErrorIntegration(),
          `DROP NOTIFICATION INTEGRATION IF EXISTS ${objects.errorIntegration}`,
        );
      await this.run(objects.createFileFormat(), `DROP FILE FORMAT IF EXISTS ${objects.fileFormat}`);
      await this.run(objects.createStage(), `DROP STAGE IF EXISTS ${objects.stage}`);
      for (const table of properties.tables) await this.createTableAndPipe(objects, table);
      await this.reportLoadErrors(objects, properties.tables);
      await this.migrate(objects);
      await this.markRolesMade(objects);
      for (const table of properties.tables) await this.createCleanModel(objects, table);
      await this.maskPersonalData(objects, properties.tables);
      return this.deps.planOnly ? undefined : await this.attributes(objects);
    } catch (error) {
      await this.undoThisRun();
      throw error;
    }
  }

  /**
   * Update: the statements for what changed between the previous and the new properties, then any
   * migration not yet applied. Each kind of change (docs/snowflake.md, "Create, Update and Delete"):
   * a new table gets its RAW table, pipe and CLEAN table; a new column is added to RAW and CLEAN; a
   * type change is refused; a pipe whose definition changed (prefix, format) is made anew and
   * refreshed; a table that starts or stops being streamed gains or loses its stream and MERGE task; a
   * changed model or warehouse replaces the MERGE task; masking follows `personal`; a table no longer
   * produced loses its pipe (and task), never its data.
   */
  async update(
    properties: SnowpipeProperties,
    previous: SnowpipeProperties,
  ): Promise<SnowpipeAttributes | undefined> {
    const objects = this.objectsOf(properties);
    // What a stack from before ownership marks made is its own: mark it, so Delete may drop it.
    if (!previous.owner && objects.ownershipComment) await this.markWhatExists(objects);
    const locationChanged = previous.bucketName !== properties.bucketName;
    if (locationChanged || previous.accessRoleArn !== properties.accessRoleArn)
      await this.run(objects.alterIntegration());
    if (locationChanged) await this.run(objects.alterStage());
    if (objects.errorIntegration) {
      if (!previous.loadErrors) {
        // Account-level, and new to this stack: claimed as Create claims, before it is made.
        const errorIntegration = objects
          .ownedObjects()
          .filter((object) => object.kind === 'NOTIFICATION INTEGRATION');
        await this.claim(objects, properties.adoptExisting ?? [], errorIntegration);
        await this.run(objects.createErrorIntegration());
      } else if (JSON.stringify(previous.loadErrors) !== JSON.stringify(properties.loadErrors))
        await this.run(objects.alterErrorIntegration());
    }
    const before = new Map(previous.tables.map((table) => [table.name, table]));
    refuseTypeChanges(properties.tables, before);
    const modelsChanged = previous.modelsVersion !== properties.modelsVersion;
    const warehouseChanged = previous.warehouse.toUpperCase() !== properties.warehouse.toUpperCase();
    for (const table of properties.tables) {
      const old = before.get(table.name);
      if (!old) {
        await this.createTableAndPipe(objects, table);
        await this.createCleanModel(objects, table);
        continue;
      }
      if (Boolean(table.evolves) !== Boolean(old.evolves)) await this.run(objects.schemaEvolution(table));
      const known = new Set(old.columns.map((column) => column.name));
      const added = table.columns.filter((column) => !known.has(column.name));
      for (const statement of objects.addColumns(table, added)) await this.run(statement);
      for (const statement of objects.addCleanColumns(table, added)) await this.run(statement);
      const streamed = SnowpipeObjects.streamed(table);
      const streamedBefore = SnowpipeObjects.streamed(old);
      // The stream's merge task carries the model (and the warehouse) as it was made: it is replaced.
      if (added.length || (streamed && (!streamedBefore || modelsChanged || warehouseChanged)))
        await this.createCleanModel(objects, table);
      if (streamedBefore && !streamed)
        for (const statement of objects.dropBatchMerge(table)) await this.run(statement);
      const stillPersonal = new Set(
        table.columns.filter((column) => column.personal).map((column) => column.name),
      );
      const unmasked = old.columns.filter((column) => column.personal && !stillPersonal.has(column.name));
      for (const statement of objects.unmask(table, unmasked)) await this.run(statement);
      if (objects.copyInto(old) !== objects.copyInto(table)) {
        await this.run(objects.dropPipe(table));
        await this.run(objects.createPipe(table));
        await this.run(objects.refreshPipe(table));
      }
    }
    // A table no longer produced keeps its data; only its pipe (and a stream's task) goes.
    const current = new Set(properties.tables.map((table) => table.name));
    for (const table of previous.tables.filter((table) => !current.has(table.name))) {
      if (SnowpipeObjects.streamed(table))
        for (const statement of objects.dropBatchMerge(table)) await this.run(statement);
      await this.run(objects.dropPipe(table));
    }
    await this.reportLoadErrors(objects, properties.tables);
    await this.migrate(objects);
    if (warehouseChanged) await this.moveWarehouseGrants(previous.warehouse, properties.warehouse);
    await this.markRolesMade(objects);
    if (previous.publishedBy !== 'run') await this.retireUnauditedMerges(objects, properties.tables);
    await this.maskPersonalData(objects, properties.tables);
    return this.deps.planOnly ? undefined : this.attributes(objects);
  }

  /**
   * The migrations' grants on the warehouse (applied once, with the warehouse of the time) given on the
   * new one, and revoked on the old one: the roles keep working and hold no more than they need.
   */
  private async moveWarehouseGrants(from: string, to: string): Promise<void> {
    const onWarehouse = (name: string) =>
      new RegExp(`\\bon warehouse ${checkedIdentifier(name, 'warehouse')}\\b`, 'i');
    const grants = this.deps.migrations
      .flatMap((migration) => migration.statements)
      .filter((statement) => /^grant\b/i.test(statement) && onWarehouse(to).test(statement));
    for (const grant of grants) {
      await this.run(grant);
      await this.run(
        grant
          .replace(onWarehouse(to), `on warehouse ${checkedIdentifier(from, 'warehouse')}`)
          .replace(/^grant\b/i, 'revoke')
          .replace(/\bto role\b/i, 'from role'),
      );
    }
  }

  /**
   * Delete: only what carries this stack's ownership comment, the database only under `destroy`;
   * what it leaves is logged with why. Tolerant of objects already gone. (A stack from before the
   * comments, never updated since, drops as it used to: by name.)
   */
  async delete(properties: SnowpipeProperties): Promise<void> {
    const objects = this.objectsOf(properties);
    if (!objects.ownershipComment) {
      for (const statement of objects.dropAll()) await this.run(statement);
      return;
    }
    const [database, ...others] = objects.ownedObjects();
    const roles = others.filter((object) => object.kind === 'ROLE');
    const ownership = this.ownershipLookup(objects);
    const databaseState = await ownership(database!);
    const destroy = properties.removalPolicy === 'destroy';
    const left: string[] = [];
    if (databaseState === 'ours')
      for (const table of properties.tables.filter((table) => SnowpipeObjects.streamed(table)))
        for (const statement of objects.dropBatchMerge(table)) await this.run(statement);
    // Pipes, stage and format first (they live in the database), then the integrations.
    for (const object of [...others].reverse().filter((object) => object.kind !== 'ROLE')) {
      if (!accountLevel(object.kind) && databaseState === 'absent') continue;
      const state = await ownership(object);
      if (state === 'ours') await this.run(objects.dropOwned(object));
      else if (state === 'not ours') left.push(`${object.kind} ${object.name} (not created by this stack)`);
    }
    if (databaseState === 'ours' && destroy) await this.run(objects.dropOwned(database!));
    else if (databaseState !== 'absent')
      left.push(
        `DATABASE ${objects.database} (${databaseState === 'ours' ? 'removal policy retain: its data stays' : 'not created by this stack'})`,
      );
    // The roles grant access to the database: they go with it, and stay while it stays.
    for (const role of roles) {
      const state = await ownership(role);
      if (state === 'ours' && destroy) await this.run(objects.dropOwned(role));
      else if (state !== 'absent')
        left.push(
          `ROLE ${role.name} (${state === 'ours' ? 'removal policy retain: it grants access to the data that stays' : 'not created by this stack'})`,
        );
    }
    if (left.length) this.deps.logger.warn('snowflake objects left in place', { left });
  }

  /**
   * Before Create: an existing object that does not carry this stack's comment is refused, unless the
   * configuration adopts it (`adoptExisting`), which marks it as this stack's. What Create would
   * otherwise take over, Delete would later drop: another stack's database, or production's.
   */
  private async claim(
    objects: SnowpipeObjects,
    adoptExisting: string[],
    candidates = objects.ownedObjects(),
  ): Promise<void> {
    if (!objects.ownershipComment) return;
    const adopt = new Set(adoptExisting.map((name) => name.toUpperCase()));
    const ownership = this.ownershipLookup(objects);
    let databaseExists = false;
    for (const object of candidates) {
      if (!accountLevel(object.kind) && !databaseExists) continue;
      const state = await ownership(object);
      if (object.kind === 'DATABASE') databaseExists = state !== 'absent';
      if (state !== 'not ours') continue;
      if (!adopt.has(object.name) && !adopt.has(object.shortName))
        throw new Error(
          `${object.kind} ${object.name} already exists and was not created by this stack (its comment is not "${objects.ownershipComment}"): taking it over would let this stack drop it when the stack is deleted. Use another name, or, if this stack should own it from now on, add "${object.shortName}" to snowflake.adoptExisting in the environment's configuration (docs/snowflake.md, "Ownership")`,
        );
      await this.run(objects.markOwned(object));
      this.deps.logger.info('snowflake object adopted', { kind: object.kind, name: object.name });
    }
  }

  /** The Update from a stack that made its objects before it marked them: each one there is marked. */
  private async markWhatExists(objects: SnowpipeObjects): Promise<void> {
    const ownership = this.ownershipLookup(objects);
    for (const object of objects.ownedObjects())
      if ((await ownership(object)) !== 'absent') await this.run(objects.markOwned(object));
  }

  /**
   * The roles the migrations made carry no comment (`create role` has none): each one there without a
   * comment is this stack's — Create refused, before migrating, any that was there unmarked and not
   * adopted — and is marked. A role with another comment is left as it is.
   */
  private async markRolesMade(objects: SnowpipeObjects): Promise<void> {
    if (!objects.ownershipComment) return;
    const shownRow = this.shownRowLookup(objects);
    for (const role of objects.ownedObjects().filter((object) => object.kind === 'ROLE')) {
      const row = await shownRow(role);
      if (row && !String(row.comment ?? '')) await this.run(objects.markOwned(role));
    }
  }

  /**
   * Whether an object is there, and whose: its row in Snowflake's SHOW, and the comment on it.
   */
  private ownershipLookup(
    objects: SnowpipeObjects,
  ): (object: OwnedObject) => Promise<'absent' | 'ours' | 'not ours'> {
    const shownRow = this.shownRowLookup(objects);
    return async (object) => {
      const row = await shownRow(object);
      if (!row) return 'absent';
      return String(row.comment ?? '') === objects.ownershipComment ? 'ours' : 'not ours';
    };
  }

  /**
   * An object's row in Snowflake's SHOW, if it is there (LIKE's `_` matches anything: compare names).
   * Each SHOW runs once per lookup: one for all the pipes, however many tables.
   */
  private shownRowLookup(objects: SnowpipeObjects): (object: OwnedObject) => Promise<SqlRow | undefined> {
    const shown = new Map<string, Promise<SqlRow[]>>();
    return async (object) => {
      const statement = objects.showOwned(object);
      if (!shown.has(statement)) shown.set(statement, this.run(statement));
      return (await shown.get(statement)!).find(
        (candidate) => String(candidate.name ?? '').toUpperCase() === object.shortName,
      );
    };
  }

  private objectsOf(properties: SnowpipeProperties): SnowpipeObjects {
    return new SnowpipeObjects(properties, rolesCreatedBy(this.deps.migrations));
  }

  /**
   * The Update from a version whose tasks published every batch table to CLEAN, and rebuilt ANALYTICS,
   * outside the run and its gate: those tasks and streams go; the runs publish from now on.
   */
  private async retireUnauditedMerges(objects: SnowpipeObjects, tables: RawTableSpec[]): Promise<void> {
    for (const table of tables.filter((table) => !SnowpipeObjects.streamed(table)))
      for (const statement of objects.dropBatchMerge(table)) await this.run(statement);
    for (const task of await this.run(objects.showRefreshTasks()))
      await this.run(objects.dropRefreshTask(String(task.name)));
  }

  private async createTableAndPipe(objects: SnowpipeObjects, table: RawTableSpec): Promise<void> {
    await this.run(objects.createTable(table), `DROP TABLE IF EXISTS ${objects.table(table)}`);
    await this.run(objects.createPipe(table), objects.dropPipe(table));
  }

  /**
   * CLEAN for one RAW table: the CLEAN table, which the runs' quality step publishes batches to. The
   * stream's table is merged as it arrives instead: a stream of what lands, and a task that runs the
   * model's MERGE on the stream's rows (plus, for list items, one that prunes replaced versions' items).
   */
  private async createCleanModel(objects: SnowpipeObjects, table: RawTableSpec): Promise<void> {
    const model = this.deps.cleanModels.get(table.name);
    if (!model)
      throw new Error(
        `no CLEAN model for ${table.name}: its source folder (with the contract the model comes from) is not bundled with this function; redeploy`,
      );
    const { create: createTable, merge, prune } = model;
    await this.run(`USE DATABASE ${objects.database}`);
    await this.run(createTable);
    if (!SnowpipeObjects.streamed(table)) return;
    await this.run(objects.createStream(table), `DROP STREAM IF EXISTS ${objects.stream(table)}`);
    await this.run(objects.suspendTask(table));
    await this.run(
      objects.createMergeTask(table, merge),
      `DROP TASK IF EXISTS ${objects.task(table, 'MERGE')}`,
    );
    if (prune) {
      await this.run(
        objects.createPruneTask(table, prune),
        `DROP TASK IF EXISTS ${objects.task(table, 'PRUNE')}`,
      );
      await this.run(objects.resumeTask(table, 'PRUNE'));
    }
    await this.run(objects.resumeTask(table, 'MERGE'));
  }

  /** Every pipe sends its load errors to the integration, pipes made before it existed too (idempotent). */
  private async reportLoadErrors(objects: SnowpipeObjects, tables: RawTableSpec[]): Promise<void> {
    if (!objects.errorIntegration) return;
    for (const table of tables) await this.run(objects.setPipeErrorIntegration(table));
  }

  private async maskPersonalData(objects: SnowpipeObjects, tables: RawTableSpec[]): Promise<void> {
    for (const statement of tables.flatMap((table) => objects.maskPersonalData(table)))
      await this.run(statement);
  }

  /** Each migration once, in order, recorded with its checksum; an edited applied migration is an error. */
  private async migrate(objects: SnowpipeObjects): Promise<void> {
    const applied = new Map(
      (await this.run(`SELECT VERSION, CHECKSUM FROM ${objects.database}.PIPELINE.MIGRATIONS`)).map((row) => [
        String(row.VERSION),
        String(row.CHECKSUM),
      ]),
    );
    for (const migration of this.deps.migrations) {
      const checksum = applied.get(migration.version);
      if (checksum === migration.checksum) continue;
      if (checksum !== undefined) {
        throw new Error(
          `migration ${migration.version}__${migration.name} changed after it was applied: add a new migration instead of editing it (docs/snowflake.md)`,
        );
      }
      await this.run(`USE DATABASE ${objects.database}`);
      for (const statement of migration.statements) {
        const role = roleCreatedBy(statement);
        // A Create that fails after this drops the role it made, as it drops the rest.
        await this.run(statement, role && `DROP ROLE IF EXISTS ${role}`);
      }
      await this.run(
        `INSERT INTO ${objects.database}.PIPELINE.MIGRATIONS (VERSION, NAME, CHECKSUM, APPLIED_AT) SELECT '${migration.version}', '${migration.name}', '${migration.checksum}', CURRENT_TIMESTAMP()`,
      );
      this.deps.logger.info('migration applied', { version: migration.version, name: migration.name });
    }
  }

  private async attributes(objects: SnowpipeObjects): Promise<SnowpipeAttributes> {
    const propertyOf = async (describe: string) => {
      const description = await this.run(describe);
      return (name: string) => {
        const value = description.find((row) => row.property === name)?.property_value;
        if (!value) throw new Error(`${describe} did not give ${name}`);
        return String(value);
      };
    };
    const property = await propertyOf(objects.describeIntegration());
    const errorsProperty = objects.errorIntegration
      ? await propertyOf(objects.describeErrorIntegration())
      : undefined;
    const channels = new Set(
      (await this.run(objects.showPipes()))
        .map((row) => String(row.notification_channel ?? ''))
        .filter(Boolean),
    );
    if (channels.size !== 1) {
      throw new Error(
        `expected every pipe of ${objects.database}.RAW to share one notification channel, found ${channels.size}`,
      );
    }
    const applied = await this.run(
      `SELECT VERSION FROM ${objects.database}.PIPELINE.MIGRATIONS ORDER BY VERSION`,
    );
    return {
      StorageAwsIamUserArn: property('STORAGE_AWS_IAM_USER_ARN'),
      StorageAwsExternalId: property('STORAGE_AWS_EXTERNAL_ID'),
      NotificationChannel: [...channels][0]!,
      AppliedMigrations: applied.map((row) => String(row.VERSION)).join(','),
      ...(errorsProperty
        ? {
            LoadErrorsAwsIamUserArn: errorsProperty('SF_AWS_IAM_USER_ARN'),
            LoadErrorsAwsExternalId: errorsProperty('SF_AWS_EXTERNAL_ID'),
          }
        : {}),
    };
  }

  /** Runs one statement; when `undo` is given and Snowflake says it created the object, remembers how to drop it. */
  private async run(statement: string, undo?: string): Promise<SqlRow[]> {
    const left = this.deps.remainingMs?.();
    if (left !== undefined && left < TIME_PER_STATEMENT_MS)
      throw new Error(
        `stopped before "${statement.slice(0, 80)}": ${Math.round(left / 1000)} s left of the function's time, less than a statement may take; what this Create made is dropped again — deploy again (the statements are idempotent), and if it keeps running out of time, raise the setup function's timeout`,
      );
    this.deps.logger.debug('snowflake statement', { statement });
    const rows = await this.deps.executor.execute(statement);
    if (undo && created(rows)) this.madeByThisRun.push(undo);
    return rows;
  }

  private async undoThisRun(): Promise<void> {
    for (const undo of this.madeByThisRun.reverse()) {
      try {
        await this.deps.executor.execute(undo);
      } catch (error) {
        this.deps.logger.warn('cleanup after a failed create could not drop an object', {
          undo,
          error: (error as Error).message,
        });
      }
    }
    this.madeByThisRun.length = 0;
  }
}

/**
 * A column whose contract type changed is refused before anything is touched: Snowflake changes a
 * column's type in place only within one type (a longer VARCHAR, a wider NUMBER), which a contract type
 * never is, and the pipe would refuse every file of the new type. Types that are one Snowflake type
 * (string and json: VARCHAR) change nothing.
 */
function refuseTypeChanges(tables: RawTableSpec[], before: Map<string, RawTableSpec>): void {
  const changes = tables.flatMap((table) => {
    const old = new Map((before.get(table.name)?.columns ?? []).map((column) => [column.name, column.type]));
    return table.columns
      .filter(
        (column) =>
          old.has(column.name) && snowflakeTypes[old.get(column.name)!] !== snowflakeTypes[column.type],
      )
      .map(
        (column) =>
          `${table.name}.${column.name}: ${old.get(column.name)} (${snowflakeTypes[old.get(column.name)!]}) → ${column.type} (${snowflakeTypes[column.type]})`,
      );
  });
  if (changes.length)
    throw new Error(
      `the contracts change the type of ${changes.length} column(s) Snowflake already holds: ${changes.join('; ')}. Snowflake cannot change a column to another type in place, and its pipe would refuse the new files. Keep the old type in the contract, or give the field a new name (a new column; the old one keeps its history) — docs/snowflake.md, "Create, Update and Delete"`,
    );
}
