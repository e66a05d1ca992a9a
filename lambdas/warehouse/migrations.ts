import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One versioned migration file of `sql/migrations` (`V001__roles.sql`), ready to run. */
export interface Migration {
  version: string;
  name: string;
  checksum: string;
  statements: string[];
}

/** Placeholders the files use (`{{ database }}`), the same ones sqlfluff's jinja templater fills in CI. */
export type MigrationContext = { database: string; warehouse: string };

/**
 * The migrations in version order, templated for one environment. Statements end with `;` at the end
 * of a line; full-line comments are dropped. The checksum is of the file as written, so editing an
 * applied migration is noticed.
 */
export function loadMigrations(directory: string, context: MigrationContext): Migration[] {
  return readdirSync(directory)
    .filter((file) => /^V\d{3}__[a-z0-9_]+\.sql$/.test(file))
    .sort()
    .map((file) => {
      const text = readFileSync(join(directory, file), 'utf8');
      const [, version, name] = /^(V\d{3})__(.+)\.sql$/.exec(file)!;
      const templated = text.replace(/\{\{\s*(\w+)\s*\}\}/g, (_match, key: string) => {
        const value = (context as Record<string, string>)[key];
        if (value === undefined) throw new Error(`${file} uses {{ ${key} }}, which has no value`);
        return value;
      });
      const statements = splitStatements(templated);
      return {
        version: version!,
        name: name!,
        checksum: createHash('sha256').update(text).digest('hex'),
        statements,
      };
    });
}

const createRole = /^create role if not exists (\w+)$/i;

/**
 * The account-level roles the migrations create (`create role if not exists …`), upper case as
 * Snowflake folds them: they outlive the database unless the stack drops them, so they carry its
 * ownership comment like everything else it creates.
 */
export function rolesCreatedBy(migrations: Migration[]): string[] {
  return migrations.flatMap((migration) =>
    migration.statements.flatMap((statement) => roleCreatedBy(statement) ?? []),
  );
}

/** The role a migration statement creates, if it is `create role if not exists <name>`. */
export function roleCreatedBy(statement: string): string | undefined {
  return createRole.exec(statement)?.[1]?.toUpperCase();
}

/**
 * A SQL file's statements: each ends with `;` at the end of a line, where a comment may follow it
 * (`-- noqa: PRS` for sqlfluff); full-line comments are dropped. A statement never carries a comment
 * after its `;`: Snowflake would count that as a second statement and refuse the call.
 */
export function splitStatements(text: string): string[] {
  return text
    .split('\n')
    .filter((line) => !/^\s*--/.test(line))
    .join('\n')
    .split(/;[ \t]*(?:--[^\n]*)?$/m)
    .map((statement) => statement.trim())
    .filter(Boolean);
}

/**
 * The migrations that only define tables (CREATE TABLE, ALTER TABLE): the data model every warehouse
 * holds, which local mode applies to DuckDB too. Roles, grants and masking policies are Snowflake's
 * access control, which a local file has no use for.
 */
export function tableMigrations(directory: string): Migration[] {
  return loadMigrations(directory, { database: 'LOCAL', warehouse: 'LOCAL' }).filter((migration) =>
    migration.statements.every((statement) => /^(create|alter) table\b/i.test(statement)),
  );
}
