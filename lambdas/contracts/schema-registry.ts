import type { S3Client } from '@aws-sdk/client-s3';
import { isPreconditionFailure, readJsonObject, writeJsonObject } from '../shared/s3-json';
import type { ColumnSpec, TableSpec } from './table-spec';
import type { Contract } from './contract';

/** One version of a table's schema: its columns and where each comes from in the record. */
export interface SchemaVersion {
  source: string;
  table: string;
  version: number;
  columns: ColumnSpec[];
}

const MAX_ATTEMPTS = 5;

/**
 * The schema registry in the transformed bucket: `_schemas/<source>/<table>/v<N>.json` for every version
 * and `current.json` naming the newest, so evolved columns outlive the run that found them. Page groups
 * of one resource validate in parallel: `current.json` only moves with a conditional write, and a
 * group that loses the race merges its columns into the winner's version instead of replacing it.
 */
export class SchemaRegistry {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  async current(source: string, table: string): Promise<SchemaVersion | undefined> {
    return (
      await readJsonObject<SchemaVersion>(this.s3, this.bucket, this.key(source, table, 'current.json'))
    )?.value;
  }

  /** Records the columns a run wrote; answers the version holding them, making a new one only if needed. */
  async record(source: string, table: string, columns: readonly ColumnSpec[]): Promise<number> {
    for (let attempt = 1; ; attempt += 1) {
      const stored = await readJsonObject<SchemaVersion>(
        this.s3,
        this.bucket,
        this.key(source, table, 'current.json'),
      );
      const known = new Set(stored?.value.columns.map((column) => column.name));
      const added = columns.filter((column) => !known.has(column.name));
      if (stored && added.length === 0) return stored.value.version;

      const next: SchemaVersion = {
        source,
        table,
        version: (stored?.value.version ?? 0) + 1,
        columns: [...(stored?.value.columns ?? []), ...added],
      };
      try {
        await writeJsonObject(
          this.s3,
          this.bucket,
          this.key(source, table, 'current.json'),
          next,
          stored ? { IfMatch: stored.etag } : { IfNoneMatch: '*' },
        );
      } catch (error) {
        if (isPreconditionFailure(error) && attempt < MAX_ATTEMPTS) continue; // another group moved it: merge again
        throw error;
      }
      // Only the writer that moved `current.json` to this version writes the version's own file.
      await writeJsonObject(this.s3, this.bucket, this.key(source, table, `v${next.version}.json`), next);
      return next.version;
    }
  }

  /**
   * The columns earlier runs evolved in each of the contract's tables (those the contract does not
   * name), by table name. Lineage and parent-key columns (the only names starting with `_`) are left
   * out: writtenColumns adds them per table.
   */
  async evolvedColumns(contract: Contract): Promise<Record<string, ColumnSpec[]>> {
    const evolved: Record<string, ColumnSpec[]> = {};
    for (const table of contract.tables) {
      const saved = await this.current(contract.source, table.name);
      const added = (saved?.columns ?? []).filter(
        (column) =>
          !column.name.startsWith('_') && !table.columns.some((known) => known.name === column.name),
      );
      if (added.length) evolved[table.name] = added;
    }
    return evolved;
  }

  private key(source: string, table: string, name: string): string {
    return `_schemas/${source}/${table}/${name}`;
  }
}

/**
 * The contract's tables with the columns evolved in each added after its own: a copy, as validate's
 * record checker adds the columns it evolves to the tables it is given.
 */
export function widenedTables(contract: Contract, evolved: Record<string, ColumnSpec[]>): TableSpec[] {
  return structuredClone(contract.tables).map((table) => ({
    ...table,
    columns: [...table.columns, ...structuredClone(evolved[table.name] ?? [])],
  }));
}
