import type { SqlBind, SqlExecutor, SqlRow } from '../../lambdas/warehouse/sql-executor';

/**
 * Snowflake at the edge of the tests: records every statement and answers as Snowflake does — status
 * rows for DDL ("… successfully created." or "… already exists, statement succeeded."), the
 * integration's properties, the pipes with their channel, and a MIGRATIONS table kept in memory.
 * Objects it has "created" are remembered, so a retried statement answers "already exists".
 */
export class RecordingExecutor implements SqlExecutor {
  readonly statements: string[] = [];
  readonly existing = new Set<string>();
  readonly migrations = new Map<string, string>();
  /** The COMMENT of each object that has one, by full name. */
  readonly comments = new Map<string, string>();
  /** Every statement with the values bound to it. */
  readonly calls: Array<{ sqlText: string; binds?: SqlBind[] }> = [];
  /** Statements matching this fail, as Snowflake would (e.g. a privilege missing). */
  failOn?: RegExp;
  /** Answers of the test's own for some statements (e.g. COPY_HISTORY rows); undefined falls through. */
  respond?: (sqlText: string, binds?: SqlBind[]) => SqlRow[] | undefined;
  closed = false;

  async execute(sqlText: string, binds?: SqlBind[]): Promise<SqlRow[]> {
    this.statements.push(sqlText);
    this.calls.push({ sqlText, binds });
    const answer = this.respond?.(sqlText, binds);
    if (answer) return answer;
    if (this.failOn?.test(sqlText))
      throw new Error(`SQL access control error: Insufficient privileges (${sqlText.slice(0, 40)})`);
    // Names as Snowflake folds them: the migrations write theirs in lower case.
    const create =
      /^CREATE (?:DATABASE|SCHEMA|TABLE|STORAGE INTEGRATION|NOTIFICATION INTEGRATION|ROLE|FILE FORMAT|STAGE|PIPE|STREAM|TASK) IF NOT EXISTS (\S+)/i.exec(
        sqlText,
      );
    if (create) {
      const name = create[1]!.toUpperCase();
      const fresh = !this.existing.has(name);
      this.existing.add(name);
      const comment = commentOf(sqlText);
      if (fresh && comment !== undefined) this.comments.set(name, comment);
      return [
        { status: fresh ? `${name} successfully created.` : `${name} already exists, statement succeeded.` },
      ];
    }
    const drop =
      /^DROP (?:DATABASE|TABLE|STORAGE INTEGRATION|NOTIFICATION INTEGRATION|ROLE|FILE FORMAT|STAGE|PIPE|STREAM|TASK) IF EXISTS (\S+)/.exec(
        sqlText,
      );
    if (drop) {
      this.existing.delete(drop[1]!);
      this.comments.delete(drop[1]!);
      return [{ status: 'statement succeeded.' }];
    }
    if (sqlText.startsWith('DESC STORAGE INTEGRATION')) {
      return [
        { property: 'ENABLED', property_value: 'true' },
        {
          property: 'STORAGE_AWS_IAM_USER_ARN',
          property_value: 'arn:aws:iam::999999999999:user/abc1-s-snowflake',
        },
        { property: 'STORAGE_AWS_EXTERNAL_ID', property_value: 'ACME_SFCRole=2_abcdefg=' },
      ];
    }
    if (sqlText.startsWith('DESC NOTIFICATION INTEGRATION')) {
      return [
        { property: 'ENABLED', property_value: 'true' },
        {
          property: 'SF_AWS_IAM_USER_ARN',
          property_value: 'arn:aws:iam::999999999999:user/abc1-s-snowflake',
        },
        { property: 'SF_AWS_EXTERNAL_ID', property_value: 'ACME_SFCRole=2_errors=' },
      ];
    }
    const alterComment =
      /^ALTER (?:DATABASE|INTEGRATION|ROLE|FILE FORMAT|STAGE|PIPE) (\S+) SET COMMENT = /.exec(sqlText);
    if (alterComment) {
      this.comments.set(alterComment[1]!, commentOf(sqlText)!);
      return [{ status: 'Statement executed successfully.' }];
    }
    // SHOW … LIKE 'NAME' [IN SCHEMA DB.RAW]: the object of that name, with its comment.
    const showLike =
      /^SHOW (?:DATABASES|INTEGRATIONS|ROLES|FILE FORMATS|STAGES|PIPES) LIKE '([^']+)'(?: IN SCHEMA (\S+))?$/.exec(
        sqlText,
      );
    if (showLike) {
      const name = showLike[2] ? `${showLike[2]}.${showLike[1]}` : showLike[1]!;
      return this.existing.has(name)
        ? [{ name: showLike[1], comment: this.comments.get(name) ?? '', notification_channel: CHANNEL }]
        : [];
    }
    // SHOW PIPES IN SCHEMA DB.RAW: its pipes, by name as Snowflake lists them, with their comments.
    const showPipes = /^SHOW PIPES IN SCHEMA (\S+)$/.exec(sqlText);
    if (showPipes) {
      return [...this.existing]
        .filter((name) => name.startsWith(`${showPipes[1]}.`) && name.endsWith('_PIPE'))
        .map((name) => ({
          name: name.split('.').at(-1),
          comment: this.comments.get(name) ?? '',
          notification_channel: CHANNEL,
        }));
    }
    if (/^SELECT VERSION, CHECKSUM FROM/.test(sqlText))
      return [...this.migrations].map(([VERSION, CHECKSUM]) => ({ VERSION, CHECKSUM }));
    if (/^SELECT VERSION FROM/.test(sqlText))
      return [...this.migrations.keys()].sort().map((VERSION) => ({ VERSION }));
    const insert =
      /MIGRATIONS \(VERSION, NAME, CHECKSUM, APPLIED_AT\) SELECT '(V\d+)', '[^']*', '([0-9a-f]+)'/.exec(
        sqlText,
      );
    if (insert) this.migrations.set(insert[1]!, insert[2]!);
    return [{ status: 'Statement executed successfully.' }];
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

const CHANNEL = 'arn:aws:sqs:eu-west-1:999999999999:sf-snowpipe-AIDA-xyz';

/** The text of a statement's `COMMENT = '…'`, if it has one. */
function commentOf(sqlText: string): string | undefined {
  const match = /COMMENT = '((?:[^']|'')*)'/.exec(sqlText);
  return match ? match[1]!.replace(/''/g, "'") : undefined;
}
