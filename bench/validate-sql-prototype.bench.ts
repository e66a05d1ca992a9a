/**
 * Exploration for the next step of validate (issue #3): how fast can DuckDB, one thread, apply the
 * events contract's checks as SQL and write Parquet, against DuckDB's plain read_json → Parquet?
 * Not part of `npm run bench`; results and the conclusion are in docs/benchmarks.md.
 *
 *   npx tsx bench/validate-sql-prototype.bench.ts [pages of 1,000 events, default 350 ≈ 100 MB]
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import { eventsBetween } from '../local/fixture-api/events';
async function main() {
  const work = mkdtempSync(join(tmpdir(), 'sql-prototype-'));
  const dir = join(work, 'pages');
  mkdirSync(dir);
  const pages = Number(process.argv[2] ?? 350);
  for (let p = 0; p < pages; p++)
    writeFileSync(
      `${dir}/p${String(p).padStart(5, '0')}.json.gz`,
      gzipSync(Buffer.from(JSON.stringify(eventsBetween(p * 1000, p * 1000 + 1000))), { level: 3 }),
    );
  const c = await (await DuckDBInstance.create(':memory:', { threads: '1' })).connect();
  let t = performance.now();
  await c.run(
    `copy (select * from read_json('${dir}/*.json.gz', format='array')) to '${work}/plain.parquet' (format parquet)`,
  );
  const plain = (performance.now() - t) / 1000;
  // Contract as SQL: read each record as JSON, check types/formats/ranges per field, cast the good ones,
  // hash the record, split accepted and rejected.
  const checks = `
    json_type(json_extract(j, '$.id')) = 'VARCHAR' and length(json_extract_string(j, '$.id')) between 1 and 64
    and (json_extract_string(j, '$.type')) in ('page_view','add_to_cart','checkout','purchase','refund','signup')
    and (json_type(json_extract(j, '$.amount')) in ('DOUBLE','UBIGINT','BIGINT','NULL') or json_extract(j, '$.amount') is null) and coalesce(try_cast(json_extract_string(j, '$.amount') as double) >= 0, true)
    and (json_extract_string(j, '$.currency') is null or regexp_full_match(json_extract_string(j, '$.currency'), '[A-Z]{3}'))
    and try_cast(json_extract_string(j, '$.occurred_at') as timestamptz) is not null and try_cast(json_extract_string(j, '$.occurred_at') as timestamptz) <= now()
    and try_cast(json_extract_string(j, '$.updated_at') as timestamptz) is not null`;
  t = performance.now();
  await c.run(
    `create temp table staged as select json(r) as j from read_json('${dir}/*.json.gz', format='array', records=false) t(r)`,
  );
  await c.run(`copy (select json_extract_string(j, '$.id') as id, json_extract_string(j, '$.type') as type, json_extract_string(j, '$.user_id') as user_id, (json_extract_string(j, '$.amount'))::double as amount, json_extract_string(j, '$.currency') as currency,
      (json_extract_string(j, '$.occurred_at'))::timestamptz as occurred_at, (json_extract_string(j, '$.updated_at'))::timestamptz as updated_at,
      json_extract_string(j, '$.context.browser') as context__browser, json_extract_string(j, '$.context.page.path') as context__page__path, json_extract_string(j, '$.context.page.referrer') as context__page__referrer,
      (json_extract(j, '$.tags'))::varchar as tags, sha256(j::varchar) as _record_hash
    from staged where ${checks}) to '${work}/checked.parquet' (format parquet)`);
  const checked = (performance.now() - t) / 1000;
  t = performance.now();
  await c.run(`copy (
      with typed as (select *, sha256(to_json(r)::varchar) as _record_hash from read_json('${dir}/*.json.gz', format='array',
        columns={id:'VARCHAR', type:'VARCHAR', user_id:'VARCHAR', amount:'DOUBLE', currency:'VARCHAR', occurred_at:'TIMESTAMPTZ', updated_at:'TIMESTAMPTZ',
                 context:'STRUCT(browser VARCHAR, page STRUCT(path VARCHAR, referrer VARCHAR))', tags:'VARCHAR[]'}) r)
      select id, type, user_id, amount, currency, occurred_at, updated_at, context.browser as context__browser, context.page.path as context__page__path,
             context.page.referrer as context__page__referrer, to_json(tags)::varchar as tags, _record_hash
      from typed
      where length(id) between 1 and 64 and type in ('page_view','add_to_cart','checkout','purchase','refund','signup')
        and coalesce(amount >= 0, true) and (currency is null or regexp_full_match(currency, '[A-Z]{3}')) and occurred_at <= now() and updated_at is not null
    ) to '${work}/typed.parquet' (format parquet)`);
  const typed = (performance.now() - t) / 1000;
  console.log(
    JSON.stringify({
      typedS: typed.toFixed(2),
      typedRate: Math.round((pages * 1000) / typed),
      typedRatio: (plain / typed).toFixed(2),
    }),
  );
  const n = Number(
    (await c.runAndReadAll(`select count(*) from '${work}/checked.parquet'`)).getRows()[0]![0],
  );
  rmSync(work, { recursive: true, force: true });
  console.log(
    JSON.stringify({
      records: pages * 1000,
      accepted: n,
      plainS: plain.toFixed(2),
      plainRate: Math.round((pages * 1000) / plain),
      checkedS: checked.toFixed(2),
      checkedRate: Math.round((pages * 1000) / checked),
      ratio: (plain / checked).toFixed(2),
      rssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    }),
  );
}
main();
