import { join } from 'node:path';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import { logger as functionLogger, PipelineLogger } from '../shared/logger';
import { poweredHandler } from '../shared/powered-handler';
import { traced } from '../shared/tracer';
import { parseSnowflakeSecret, SnowflakeExecutor } from '../warehouse/snowflake-connection';
import { loadMigrations, rolesCreatedBy } from '../warehouse/migrations';
import { sqlDirectory } from '../warehouse/sql-directory';
import { cleanModelStatements } from '../warehouse/clean-models';
import { SnowpipeSetup, SnowpipeAttributes } from './setup';
import { SETUP_TIME_LIMITS } from './time-limits';
import { SnowpipeObjects, SnowpipeProperties } from '../warehouse/snowpipe-objects';
import type { SqlExecutor } from '../warehouse/sql-executor';

/** The custom resource's properties: one JSON document (CloudFormation would turn numbers into strings). */
function propertiesOf(resourceProperties: Record<string, unknown> | undefined): SnowpipeProperties {
  return JSON.parse(String(resourceProperties?.Config ?? '{}')) as SnowpipeProperties;
}

const physicalIdOf = (properties: SnowpipeProperties) =>
  `snowflake:${properties.database.toUpperCase()}:${properties.integrationName.toUpperCase()}`;

export interface HandlerDeps {
  /** Opens Snowflake with the credentials of the named secret. */
  connect(properties: SnowpipeProperties): Promise<SqlExecutor & { close?(): Promise<void> }>;
  /** Where it says what it did and left (the function's logger unless given). */
  logger?: PipelineLogger;
  /** A dry run: `connect` gives an executor that records instead of running (lib/ops/snowflake-plan.ts). */
  planOnly?: boolean;
}

/** Opens Snowflake with the credentials in the secret the properties name, read through `secrets`. */
export function snowflakeConnector(secrets: SecretsManagerClient): HandlerDeps['connect'] {
  return async (properties) => {
    const answer = await secrets.send(new GetSecretValueCommand({ SecretId: properties.secretArn }));
    const secret = parseSnowflakeSecret(answer.SecretString, properties.secretArn);
    // Each statement well inside the function's 10 minutes, so a slow one fails the deploy with
    // Snowflake's error (and a Create undoes its work) rather than timing the function out mid-way.
    return new SnowflakeExecutor(secret, {
      warehouse: properties.warehouse,
      statementTimeoutSeconds: SETUP_TIME_LIMITS.statementSeconds,
      lockTimeoutSeconds: SETUP_TIME_LIMITS.lockSeconds,
    });
  };
}

const defaultDeps: HandlerDeps = { connect: snowflakeConnector(traced(new SecretsManagerClient({}))) };

/**
 * Provider-framework onEvent handler of `SnowpipeIntegration` (lib/constructs/snowpipe-integration.ts).
 * A change of database or integration name is a replacement: the new one is created under a new
 * physical id, and CloudFormation then deletes the old one.
 */
export const onEvent = poweredHandler(
  (
    event: CloudFormationCustomResourceEvent,
    context?: Pick<Context, 'getRemainingTimeInMillis'>,
  ): Promise<{ PhysicalResourceId: string; Data?: SnowpipeAttributes }> =>
    // Lambda calls this with (event, context): the dependencies are never its second argument.
    handleSetupEvent(event, defaultDeps, context),
);

/** onEvent with its dependencies given (tests give a recording executor). */
export async function handleSetupEvent(
  event: CloudFormationCustomResourceEvent,
  deps: HandlerDeps,
  context?: Pick<Context, 'getRemainingTimeInMillis'>,
): Promise<{ PhysicalResourceId: string; Data?: SnowpipeAttributes }> {
  const properties = propertiesOf(event.ResourceProperties);
  if (!deps.logger) functionLogger.appendKeys({ step: 'snowflake-setup', requestType: event.RequestType });
  try {
    if (event.RequestType !== 'Delete')
      return await runSetup(event, properties, await deps.connect(properties), deps, context);
    // A Create that failed left nothing behind (it cleaned up): nothing to drop, no secret needed.
    const executor = event.PhysicalResourceId.startsWith('snowflake:')
      ? await connectForDelete(properties, deps)
      : undefined;
    if (!executor) return { PhysicalResourceId: event.PhysicalResourceId };
    return await runSetup(event, properties, executor, deps, context);
  } finally {
    if (!deps.logger) functionLogger.removeKeys(['step', 'requestType']);
  }
}

/**
 * Delete never holds up a stack delete for want of Snowflake: when the secret is gone or Snowflake
 * cannot be reached, it says what it leaves there (the objects it would have checked and dropped) and
 * answers success.
 */
async function connectForDelete(
  properties: SnowpipeProperties,
  deps: HandlerDeps,
): Promise<(SqlExecutor & { close?(): Promise<void> }) | undefined> {
  try {
    return await deps.connect(properties);
  } catch (error) {
    (deps.logger ?? functionLogger).error(
      'snowflake objects left in place: Snowflake could not be reached to delete them',
      {
        error: (error as Error).message,
        left: new SnowpipeObjects(properties, rolesCreatedBy(migrationsOf(properties)))
          .ownedObjects()
          .map((object) => `${object.kind} ${object.name}`),
        next: 'drop them by hand (docs/snowflake.md, "Ownership"), only those whose comment names this stack',
      },
    );
    return undefined;
  }
}

/** sql/migrations, templated for the environment's database and warehouse. */
function migrationsOf(properties: SnowpipeProperties) {
  return loadMigrations(join(sqlDirectory(), 'migrations'), {
    database: properties.database.toUpperCase(),
    warehouse: properties.warehouse.toUpperCase(),
  });
}

async function runSetup(
  event: CloudFormationCustomResourceEvent,
  properties: SnowpipeProperties,
  executor: SqlExecutor & { close?(): Promise<void> },
  deps: HandlerDeps,
  context?: Pick<Context, 'getRemainingTimeInMillis'>,
): Promise<{ PhysicalResourceId: string; Data?: SnowpipeAttributes }> {
  const logger = deps.logger ?? functionLogger;
  try {
    const setup = new SnowpipeSetup({
      executor,
      logger,
      ...(deps.planOnly ? { planOnly: true } : {}),
      ...(context ? { remainingMs: () => context.getRemainingTimeInMillis() } : {}),
      migrations: migrationsOf(properties),
      cleanModels: cleanModelStatements(),
    });
    switch (event.RequestType) {
      case 'Create':
        return { PhysicalResourceId: physicalIdOf(properties), Data: await setup.create(properties) };
      case 'Update': {
        const previous = propertiesOf(event.OldResourceProperties);
        if (physicalIdOf(previous) !== physicalIdOf(properties))
          return { PhysicalResourceId: physicalIdOf(properties), Data: await setup.create(properties) };
        return {
          PhysicalResourceId: event.PhysicalResourceId,
          Data: await setup.update(properties, previous),
        };
      }
      default:
        await setup.delete(properties);
        return { PhysicalResourceId: event.PhysicalResourceId };
    }
  } catch (error) {
    logger.error('snowflake setup failed', error as Error);
    throw error;
  } finally {
    await executor.close?.();
  }
}
