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
  // Every record read once as a map of field → JSON text (one parse, as fast as the plain read), each
  // field's type, format and range checked from that, unknown keys seen in map_keys, the record hash
  // built from the fields in sorted order: what a per-record-exact fast path would have to do.
  const str = (f: string) => `json_extract_string(r['${f}'], '$')`;
  const checkedSql = `
  copy (
  with src as (select r, filename from read_json('${dir}/*.json.gz', format='array', records=false, columns={r: 'MAP(VARCHAR, JSON)'}, filename=true)),
  f as (select r, filename,
     ${str('id')} as id, ${str('type')} as type, ${str('user_id')} as user_id, r['amount'] as amount_j, ${str('currency')} as currency,
     ${str('occurred_at')} as occurred_at, ${str('updated_at')} as updated_at,
     json_transform(r['context'], '{"browser":"JSON","page":"MAP(VARCHAR, JSON)"}') as ctx, json_keys(r['context']) as ctx_keys, r['tags'] as tags
   from src),
  checked as (select *,
     list_has_all(['id','type','user_id','amount','currency','occurred_at','updated_at','context','tags'], map_keys(r))
     and json_type(r['id']) = 'VARCHAR' and length(id) between 1 and 64
     and json_type(r['type']) = 'VARCHAR' and type in ('page_view','add_to_cart','checkout','purchase','refund','signup')
     and coalesce(json_type(r['user_id']) = 'NULL' or (json_type(r['user_id']) = 'VARCHAR' and length(user_id) <= 64), true)
     and coalesce(json_type(amount_j) = 'NULL' or (json_type(amount_j) in ('DOUBLE','BIGINT','UBIGINT') and amount_j::double >= 0), true)
     and coalesce(json_type(r['currency']) = 'NULL' or (json_type(r['currency']) = 'VARCHAR' and regexp_full_match(currency, '[A-Z]{3}')), true)
     and json_type(r['occurred_at']) = 'VARCHAR' and regexp_full_match(occurred_at, '\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,3})?(Z|[+-]\\d{2}:\\d{2})') and try_cast(occurred_at as timestamptz) <= now()
     and json_type(r['updated_at']) = 'VARCHAR' and regexp_full_match(updated_at, '\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,3})?(Z|[+-]\\d{2}:\\d{2})') and try_cast(updated_at as timestamptz) is not null
     and coalesce(json_type(r['context']) = 'OBJECT' and list_has_all(['browser','page'], ctx_keys), true)
     and coalesce(json_type(r['tags']) = 'ARRAY' and list_bool_and(list_transform(tags::json[], x -> json_type(x) = 'VARCHAR' and length(json_extract_string(x, '$')) <= 100)), true)
     as clean from f)
  select id, type, user_id, amount_j::double as amount, currency, occurred_at::timestamptz as occurred_at, updated_at::timestamptz as updated_at,
     json_extract_string(ctx.browser, '$') as context__browser, json_extract_string(ctx.page['path'], '$') as context__page__path, json_extract_string(ctx.page['referrer'], '$') as context__page__referrer,
     tags::varchar as tags, 'b1' as _batch_id, filename as _source_key,
     sha256('{' || array_to_string(list_filter([
        '"amount":' || r['amount'], '"context":' || r['context'], '"currency":' || r['currency'], '"id":' || r['id'], '"occurred_at":' || r['occurred_at'], '"tags":' || r['tags'], '"type":' || r['type'], '"updated_at":' || r['updated_at'], '"user_id":' || r['user_id']], x -> x is not null), ',') || '}') as _record_hash
  from checked where clean
  ) to '${work}/checked.parquet' (format parquet, compression snappy)`;
  t = performance.now();
  await c.run(checkedSql);
  const checked = (performance.now() - t) / 1000;
  // What the typed read cannot see: unknown keys. A scan that only lists each record's keys.
  t = performance.now();
  await c.run(
    `select count(*) from (select json_keys(r) from read_json('${dir}/*.json.gz', format='array', records=false, columns={r: 'JSON'}))`,
  );
  const keysScan = (performance.now() - t) / 1000;
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
      typedPlusKeysScanRatio: (plain / (typed + keysScan)).toFixed(2),
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
