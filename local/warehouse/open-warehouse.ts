import { existsSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { LocalWarehouse } from './warehouse';
import { PipelineWarehouse, WarehouseKind, WAREHOUSE_KINDS } from './pipeline-warehouse';
import { startLocalPostgres } from '../postgres/local-postgres';
import { PostgresWarehouse } from '../postgres/postgres-warehouse';

export interface WarehouseChoice {
  kind: WarehouseKind;
  dataDirectory: string;
  /** PostgreSQL to use (DATABASE_URL); without it, a server of the run's own in `<data>/postgres`. */
  databaseUrl?: string;
  /** Start from an empty warehouse: DuckDB's file deleted, or the pipeline's PostgreSQL schemas dropped. */
  fresh?: boolean;
  onWait?: (message: string) => void;
  /**
   * One run of this data directory at a time (a run's leases and local S3 are the directory's): DuckDB's
   * file lock gives it; PostgreSQL takes an advisory lock named after the directory.
   */
  exclusive?: boolean;
  /** How long to wait for another command's lock. @default 30 s */
  waitForLockMs?: number;
}

export interface OpenedWarehouse {
  warehouse: PipelineWarehouse;
  /** Closes the warehouse, and stops the PostgreSQL server this started, if it did. */
  close(): Promise<void>;
}

/** The DuckDB file of a data directory. */
export const duckdbFileOf = (dataDirectory: string) => join(dataDirectory, 'warehouse.duckdb');

/** Opens the warehouse a local run fills: the DuckDB file of the data directory, or PostgreSQL. */
export async function openWarehouse(choice: WarehouseChoice): Promise<OpenedWarehouse> {
  if (choice.kind === 'duckdb') {
    const path = duckdbFileOf(choice.dataDirectory);
    if (choice.fresh) {
      rmSync(path, { force: true });
      rmSync(`${path}.wal`, { force: true });
    }
    const warehouse = await LocalWarehouse.open(path, {
      onWait: choice.onWait,
      waitForLockMs: choice.waitForLockMs,
    });
    return { warehouse, close: async () => warehouse.close() };
  }
  const serverDirectory = join(choice.dataDirectory, 'postgres');
  const server = choice.databaseUrl ? undefined : await startLocalPostgres(serverDirectory);
  const url = choice.databaseUrl ?? server!.url;
  let warehouse: PostgresWarehouse | undefined;
  try {
    warehouse = await PostgresWarehouse.open(
      url,
      server &&
        `PostgreSQL of its own in ${serverDirectory} (database pipeline; its server runs while a command uses it)`,
    );
    // The lock before --fresh: a second run must not empty the warehouse under the first.
    if (choice.exclusive)
      await warehouse.holdLock(`the local run of ${resolve(choice.dataDirectory)}`, {
        waitForLockMs: choice.waitForLockMs,
        onWait: choice.onWait,
      });
    if (choice.fresh) await warehouse.recreate();
    const opened = warehouse;
    return {
      warehouse: opened,
      close: async () => {
        await opened.close();
        await server?.stop();
      },
    };
  } catch (error) {
    await warehouse?.close();
    await server?.stop();
    throw error;
  }
}

/** `--warehouse`'s value checked: one of the kinds, or an error that lists them. */
export function warehouseKindOf(value: string): WarehouseKind {
  if (!WAREHOUSE_KINDS.includes(value as WarehouseKind))
    throw new Error(`--warehouse must be one of ${WAREHOUSE_KINDS.join(', ')}, not "${value}"`);
  return value as WarehouseKind;
}

/**
 * The warehouse an earlier `npm start` filled, for reading (`npm run sql`, `npm run report`): an error
 * that says what to run when there is none yet.
 */
export async function openFilledWarehouse(
  kind: WarehouseKind,
  dataDirectory: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<OpenedWarehouse> {
  const databaseUrl = kind === 'postgres' ? env.DATABASE_URL : undefined;
  const made =
    kind === 'duckdb'
      ? duckdbFileOf(dataDirectory)
      : databaseUrl
        ? undefined
        : join(dataDirectory, 'postgres', 'cluster', 'PG_VERSION');
  if (made && !existsSync(made))
    throw new Error(
      `no local ${kind === 'duckdb' ? 'warehouse' : 'PostgreSQL warehouse'} in ${dataDirectory}: run npm start${kind === 'duckdb' ? '' : ' -- --warehouse postgres'} first`,
    );
  return openWarehouse({ kind, dataDirectory, databaseUrl, onWait: (message) => console.error(message) });
}
