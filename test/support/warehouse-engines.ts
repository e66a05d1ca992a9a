import { join } from 'node:path';
import type { PipelineWarehouse } from '../../local/warehouse/pipeline-warehouse';
import { LocalWarehouse } from '../../local/warehouse/warehouse';
import { LocalPostgres, startLocalPostgres } from '../../local/postgres/local-postgres';
import { PostgresWarehouse } from '../../local/postgres/postgres-warehouse';

/**
 * A local warehouse engine, for suites that run on both (`describe.each(warehouseEngines())`): DuckDB's
 * file, or PostgreSQL on a server the suite starts in its folder.
 */
export interface WarehouseEngine {
  name: string;
  /** The type name information_schema gives a double column. */
  doubleType: string;
  start(directory: string): Promise<void>;
  /** A new, empty warehouse of its own, named `name` (a file, or a database), in `directory`. */
  open(directory: string, name: string): Promise<PipelineWarehouse>;
  stop(): Promise<void>;
}

export function warehouseEngines(): WarehouseEngine[] {
  let server: LocalPostgres | undefined;
  return [
    {
      name: 'DuckDB',
      doubleType: 'DOUBLE',
      start: async () => undefined,
      open: (directory, name) => LocalWarehouse.open(join(directory, `${name}.duckdb`)),
      stop: async () => undefined,
    },
    {
      name: 'PostgreSQL',
      doubleType: 'double precision',
      start: async (directory) => {
        server = await startLocalPostgres(join(directory, 'postgres'));
      },
      // The running server, with the database made when missing.
      open: async (directory, name) =>
        PostgresWarehouse.open((await startLocalPostgres(join(directory, 'postgres'), name)).url),
      stop: async () => server?.stop(),
    },
  ];
}
