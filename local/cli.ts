import './local-defaults';
import { faultKinds } from './fixture-api/faults';
import { LocalRunSummary, runLocalPipeline } from './local-run';
import { logger } from '../lambdas/shared/logger';
import { plural } from './run-printer';
import { parseRunArguments } from './run-arguments';
import { loadSources } from '../lambdas/sources';

const usage = `Usage: npm start -- [options]

Runs the whole pipeline locally: the state machine that cdk deploy ships, each step's real handler, a
fixture API and a local S3 endpoint on loopback, a local Snowpipe into the warehouse (DuckDB, or
PostgreSQL), the CLEAN and ANALYTICS models. Query the result with: npm run sql -- "select …"

Options:
  --source NAME      only this source (repeatable): ${[...loadSources().keys()].join(', ')}
  --resource NAME    only this resource (repeatable; also runs resources that are off by default)
  --date YYYY-MM-DD  logical date of the run (default: today, UTC)
  --from YYYY-MM-DD --to YYYY-MM-DD
                     backfill: a run per day, in order, each fetching its own day's window of the
                     resources that can (docs/sources.md, "Backfill"); the cursors stay where they are
  --fault KIND       inject a fault into the fixture API (repeatable): ${faultKinds.join(', ')}
  --fresh            start from empty: the local S3 (so incremental state too) and the warehouse
                     (DuckDB's file, or the pipeline's four schemas in PostgreSQL)
  --data-dir DIR     where local data lives (default: .local)
  --warehouse KIND   duckdb (default: a file in the data directory) or postgres: DATABASE_URL's server
                     when set, else a PostgreSQL server of the run's own in DIR/postgres (Debian's
                     postgresql package; docs/postgres.md)
  -h, --help         this text`;

async function main(): Promise<void> {
  const args = parseRunArguments(process.argv.slice(2));
  if (args.help) {
    console.log(usage);
    return;
  }
  const { days, faults, backfill } = args;
  // Local runs log warnings only; set POWERTOOLS_LOG_LEVEL=INFO (or DEBUG) to see every page.
  logger.setLogLevel((process.env.POWERTOOLS_LOG_LEVEL as 'INFO' | undefined) ?? 'WARN');
  const { dataDirectory } = args;
  if (backfill) console.log(`Backfill of ${plural(days.length, 'day')} into ${dataDirectory}, in order`);
  const failed: string[] = [];
  for (const [index, logicalDate] of days.entries()) {
    const batchId = `local-${new Date().toISOString().replace(/[-:]/g, '').slice(0, 15)}Z${backfill ? `-${logicalDate}` : ''}`;
    console.log(
      `${backfill ? '\n' : ''}Local run into ${dataDirectory}, batch ${batchId}, date ${logicalDate}`,
    );
    const summary = await runLocalPipeline({
      dataDirectory,
      sources: args.sources,
      resources: args.resources,
      logicalDate,
      batchId,
      faults,
      // A backfill starts from an empty S3 once, not once a day.
      fresh: args.fresh && index === 0,
      backfill,
      warehouse: args.warehouse,
      databaseUrl: args.databaseUrl,
      print: (line) => console.log(line),
      readableLogs: true,
    });
    printSummary(summary);
    if (summary.status !== 'SUCCEEDED') failed.push(logicalDate);
  }
  if (backfill)
    console.log(
      `\n${days.length - failed.length} of ${plural(days.length, 'day')} succeeded${failed.length ? `; failed: ${failed.join(', ')} (run each again with --from <day> --to <day>)` : ''}`,
    );
  if (failed.length) process.exitCode = 1;
}

function printSummary(summary: LocalRunSummary): void {
  const n = (value: number) => value.toLocaleString('en');
  if (summary.status === 'FAILED') {
    console.log(
      `\n✗ The run FAILED after ${summary.seconds.toFixed(1)} s: ${summary.error?.name}: ${summary.error?.cause}`,
    );
    console.log('  Incremental state was not advanced: fix the cause and run again.');
    if (summary.deadLetterFile) console.log(`  Dead-letter message: ${summary.deadLetterFile}`);
  } else {
    const totals = summary.counts!.totals;
    console.log(
      `\nDone in ${summary.seconds.toFixed(1)} s: ${plural(summary.counts!.resources.length, 'resource')}, ${n(totals.extracted)} records extracted; ${n(totals.valid)} valid, ${n(totals.rejected)} rejected.`,
    );
  }
  const table = (layer: string, rows: Array<{ table: string; rows: number }>) =>
    console.log(
      `${layer.padEnd(11)}${rows.map((row) => `${row.table} ${n(row.rows)}`).join(', ') || '(empty)'}`,
    );
  console.log(`\nWarehouse ${summary.warehousePath} (rows per table):`);
  table('RAW', summary.layers.raw);
  table('CLEAN', summary.layers.clean);
  table('ANALYTICS', summary.layers.analytics);
  if (summary.quality) {
    const notPassed = summary.quality.results.filter((result) => result.status !== 'pass');
    console.log(
      `Quality:   ${summary.quality.results.length} checks, verdict ${summary.quality.verdict}${notPassed.length ? `: ${notPassed.map((result) => `${result.status} ${result.table} ${result.check}`).join('; ')}` : ''} (analytics.dq_check_results)`,
    );
  }
  const rejects = summary.validations.filter((result) => result.rejectKeys.length);
  for (const result of rejects)
    console.log(
      `Rejects:   ${result.source}/${result.resource}: ${n(result.rejectedRecords)} → s3://failed/${result.rejectKeys[0]} (${summary.s3Directory}/failed/)`,
    );
  if (summary.committed.length) {
    console.log(
      `State:     committed for ${summary.committed.map((c) => `${c.source}/${c.resource}`).join(', ')}: the next run starts there.`,
    );
  }
  const example = summary.layers.analytics.some((entry) => entry.table === 'gfn_footprint_vs_biocapacity')
    ? 'select country_name, year, footprint_gha, biocapacity_gha, status from analytics.gfn_footprint_vs_biocapacity where country_code = 100 order by year desc limit 5'
    : 'select batch_id, status, extracted, valid, rejected from analytics.pipeline_runs order by started_at desc';
  const choice = summary.warehouseKind === 'duckdb' ? '' : `--warehouse ${summary.warehouseKind} `;
  console.log(`\nQuery it: npm run sql -- ${choice}"${example}"`);
}

main().catch((error: unknown) => {
  console.error(`\n✗ ${(error as Error).message}`);
  process.exitCode = 1;
});
