import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Client, types } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { SqlBind, SqlExecutor, SqlRow } from '../../lambdas/warehouse/sql-executor';

/**
 * The pipeline's statements on PostgreSQL through node-postgres: one connection (a transaction spans
 * statements, as write-audit-publish needs), `?` placeholders as the pipeline writes them turned into
 * PostgreSQL's `$1, $2, …`, values always bound, never spliced into the text.
 */
export class PostgresExecutor implements SqlExecutor {
  private client?: Promise<Client>;

  /** `session`: statements run first on each connection (time zone, search path). */
  constructor(
    private readonly url: string,
    private readonly session: readonly string[] = [],
  ) {}

  async execute(sqlText: string, binds?: SqlBind[]): Promise<SqlRow[]> {
    const client = await (this.client ??= this.connect());
    const result = await client.query(numberedPlaceholders(sqlText), binds ?? []);
    // A multi-statement text answers an array of results: the last one's rows, as Snowflake's would be.
    const last = Array.isArray(result) ? result.at(-1) : result;
    return (last?.rows ?? []) as SqlRow[];
  }

  /**
   * `copy … from stdin`, on this connection (in its transaction, if one is open), fed `chunks` of
   * COPY's own format. Answers the rows PostgreSQL took.
   */
  async copyFrom(copySql: string, chunks: Iterable<string>): Promise<number> {
    const client = await (this.client ??= this.connect());
    const copy = client.query(copyFrom(copySql));
    await pipeline(Readable.from(chunks), copy);
    return copy.rowCount;
  }

  async close(): Promise<void> {
    const client = await this.client?.catch(() => undefined);
    this.client = undefined;
    await client?.end();
  }

  private async connect(): Promise<Client> {
    const client = new Client({ connectionString: this.url, types: { getTypeParser } });
    try {
      await client.connect();
      for (const statement of this.session) await client.query(statement);
    } catch (error) {
      await client.end().catch(() => undefined);
      this.client = undefined;
      throw new Error(
        `cannot connect to PostgreSQL at ${redactedUrl(this.url)} (${(error as Error).message}): check DATABASE_URL, or unset it to let npm start run a server of its own`,
        { cause: error },
      );
    }
    return client;
  }
}

const INT8 = 20;
const NUMERIC = 1700;
const DATE = 1082;

/**
 * Numbers as numbers, as the DuckDB and Snowflake executors answer them: node-postgres gives bigint
 * and numeric as text by default. A bigint past 2^53 stays text, exact; a numeric becomes a double.
 * A date stays its text (`2026-12-07`): node-postgres would make it midnight in this machine's zone,
 * the day before in UTC west of Greenwich.
 */
const getTypeParser = ((oid: number, format?: 'text' | 'binary') => {
  if (oid === INT8) return (text: string) => (Number.isSafeInteger(Number(text)) ? Number(text) : text);
  if (oid === NUMERIC) return (text: string) => Number(text);
  if (oid === DATE) return (text: string) => text;
  return types.getTypeParser(oid, format);
}) as typeof types.getTypeParser;

/** The URL without its password, for messages. */
export function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = 'REDACTED';
    return parsed.toString();
  } catch {
    return '(an unparseable DATABASE_URL)';
  }
}

/**
 * `?` → `$1, $2, …`, outside quoted strings, quoted identifiers, comments and dollar quotes (where a
 * `?` is text, not a placeholder).
 */
export function numberedPlaceholders(sqlText: string): string {
  let out = '';
  let index = 0;
  let position = 0;
  while (position < sqlText.length) {
    const rest = sqlText.slice(position);
    const skipped =
      /^'(?:[^']|'')*'/.exec(rest) ??
      /^"(?:[^"]|"")*"/.exec(rest) ??
      /^--[^\n]*/.exec(rest) ??
      /^\/\*[\s\S]*?\*\//.exec(rest) ??
      /^(\$[A-Za-z_]*\$)[\s\S]*?\1/.exec(rest);
    if (skipped) {
      out += skipped[0];
      position += skipped[0].length;
      continue;
    }
    const character = sqlText[position]!;
    out += character === '?' ? `$${(index += 1)}` : character;
    position += 1;
  }
  return out;
}
