import { duckdbDialect, Dialect } from '../../lambdas/quality/dialect';

/**
 * Where PostgreSQL differs from the SQL the pipeline writes for Snowflake and DuckDB, all of it here:
 * the checks' dialect, the rewrites of a few statement forms, and the functions Snowflake and DuckDB
 * have that PostgreSQL lacks. Everything else (the CLEAN models' MERGE, the checks, the ANALYTICS
 * models, the run log) runs on PostgreSQL as written.
 */

/** The schema holding the functions below; every session puts it on its search path. */
export const DIALECT_SCHEMA = 'pipeline_dialect';

/**
 * The checks' queries: DuckDB's forms (information_schema in lower case, string_agg, standard string
 * literals), with the hours since a timestamp counted as Snowflake counts them, by `datediff` below.
 */
export const postgresDialect: Dialect = {
  ...duckdbDialect,
  name: 'postgres',
  hoursSince: (expression) => `datediff('hour', ${expression}, current_timestamp)`,
};

/**
 * What each session sets first: days are UTC days (as Snowflake casts the pipeline's UTC timestamps
 * to dates), and the dialect's functions resolve without a schema. PostgreSQL's own come first
 * (pg_catalog is always searched first), so a newer server's built-in `any_value` wins.
 */
export const sessionSettings = [`set time zone 'UTC'`, `set search_path = ${DIALECT_SCHEMA}, public`];

/**
 * The functions the shared SQL calls that PostgreSQL lacks, made with Snowflake's meaning:
 * - `round(double precision, integer)`: PostgreSQL rounds only numeric to a number of places, and a
 *   double's numeric keeps 15 digits. This rounds the double itself as DuckDB does: the value times
 *   10^places, rounded half away from zero, divided back (a test holds it to DuckDB's answers).
 * - `datediff(part, since, until)`: the number of part boundaries crossed (Snowflake's and DuckDB's
 *   meaning, not the elapsed time divided), for second, minute, hour and day.
 * - `any_value(x)`: built in from PostgreSQL 16; this one serves 15.
 */
export const dialectFunctions = [
  `create schema if not exists ${DIALECT_SCHEMA}`,
  `create or replace function ${DIALECT_SCHEMA}.round(value double precision, places integer)
returns double precision language plpgsql immutable strict parallel safe
as $$
declare
  modifier constant double precision := power(10::double precision, places);
  scaled double precision;
  whole double precision;
begin
  -- Past this, value × modifier is infinite: DuckDB then gives the value back; PostgreSQL would raise.
  if abs(value) > 1.7e308 / modifier then
    return value;
  end if;
  scaled := abs(value * modifier);
  whole := floor(scaled);
  -- Half away from zero (C's round), not rint's half to even. scaled - whole is exact.
  if scaled - whole >= 0.5 then
    whole := whole + 1;
  end if;
  return sign(value) * whole / modifier;
end
$$`,
  `create or replace function ${DIALECT_SCHEMA}.datediff(part text, since timestamptz, until timestamptz)
returns bigint language plpgsql stable strict parallel safe
as $$
declare
  unit_seconds constant integer := case lower(part)
    when 'second' then 1 when 'minute' then 60 when 'hour' then 3600 when 'day' then 86400 end;
begin
  if unit_seconds is null then
    raise exception 'datediff: the part % is not one of second, minute, hour, day', part;
  end if;
  return ((extract(epoch from date_trunc(lower(part), until)) - extract(epoch from date_trunc(lower(part), since)))
    / unit_seconds)::bigint;
end
$$`,
  `create or replace function ${DIALECT_SCHEMA}.any_value_step(kept anyelement, value anyelement)
returns anyelement language sql immutable parallel safe
as $$ select coalesce(kept, value) $$`,
  `create or replace aggregate ${DIALECT_SCHEMA}.any_value(anyelement) (
  sfunc = ${DIALECT_SCHEMA}.any_value_step, stype = anyelement
)`,
];

/**
 * A statement as PostgreSQL takes it:
 * - `create or replace table|view x as …` becomes a drop and a create (PostgreSQL has no CREATE OR
 *   REPLACE TABLE, and its CREATE OR REPLACE VIEW refuses a changed column list). The drop cascades
 *   to views over `x`, which the ANALYTICS build makes again after it (models run in dependency order).
 * - In a table definition, Snowflake's type names become PostgreSQL's: TIMESTAMP_TZ, NUMBER(38, 0),
 *   DOUBLE (a type in DuckDB and Snowflake, `double precision` here).
 */
export function inPostgres(statement: string): string {
  const replaced = /^create or replace (table|view) ([\w."]+)/i.exec(statement);
  if (replaced) {
    const [whole, kind, name] = replaced;
    return `drop ${kind!.toLowerCase()} if exists ${name} cascade;\ncreate ${kind!.toLowerCase()} ${name}${statement.slice(whole.length)}`;
  }
  if (!/^(create|alter) table\b/i.test(statement)) return statement;
  return statement
    .replace(/\btimestamp_tz\b/gi, 'timestamptz')
    .replace(/\bnumber\(38,\s*0\)/gi, 'bigint')
    .replace(/\bdouble\b(?!\s+precision)/gi, 'double precision');
}
