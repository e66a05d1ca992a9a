import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { faultKinds, FaultKind } from './fixture-api/faults';
import { runLocalPipeline } from './local-run';
import { logger } from '../lambdas/shared/logger';

const usage = `Usage: npm start -- [options]

Runs the pipeline locally: a fixture API and a local S3 endpoint on loopback, the real extract and
validate handlers.

Options:
  --source NAME      only this source (repeatable): gfn, fakestore, events_oauth, events_apikey
  --resource NAME    only this resource (repeatable; also runs resources that are off by default)
  --date YYYY-MM-DD  logical date of the run (default: today, UTC)
  --fault KIND       inject a fault into the fixture API (repeatable): ${faultKinds.join(', ')}
  --fresh            start from an empty local S3 (forgets incremental state)
  --data-dir DIR     where local data lives (default: .local)
  -h, --help         this text`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      source: { type: 'string', multiple: true },
      resource: { type: 'string', multiple: true },
      date: { type: 'string' },
      fault: { type: 'string', multiple: true },
      fresh: { type: 'boolean', default: false },
      'data-dir': { type: 'string', default: '.local' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    return;
  }
  const logicalDate = values.date ?? new Date().toISOString().slice(0, 10);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(logicalDate))
    throw new Error(`--date must be YYYY-MM-DD, not "${logicalDate}"`);
  const faults = (values.fault ?? []).map((kind) => {
    if (!faultKinds.includes(kind as FaultKind))
      throw new Error(`--fault must be one of ${faultKinds.join(', ')}, not "${kind}"`);
    // Token and cursor faults only mean something on the OAuth2 event API, after its first page.
    const oauthOnly = kind === 'expire_token' || kind === 'repeat_cursor';
    return oauthOnly
      ? { kind: kind as FaultKind, path: '/events-oauth/v1/events', after: 1, times: 1 }
      : { kind: kind as FaultKind, times: 2 };
  });
  // Local runs log warnings only; set POWERTOOLS_LOG_LEVEL=INFO (or DEBUG) to see every page.
  logger.setLogLevel((process.env.POWERTOOLS_LOG_LEVEL as 'INFO' | undefined) ?? 'WARN');
  const batchId = `local-${new Date().toISOString().replace(/[-:]/g, '').slice(0, 15)}Z`;
  const dataDirectory = values['data-dir'];
  console.log(`Local run into ${join(dataDirectory, 's3')}, batch ${batchId}, date ${logicalDate}`);
  const started = Date.now();
  const summary = await runLocalPipeline({
    dataDirectory,
    sources: values.source,
    resources: values.resource,
    logicalDate,
    batchId,
    faults,
    fresh: values.fresh,
    print: (line) => console.log(line),
  });
  const records = summary.results.reduce((sum, result) => sum + result.records, 0);
  const pages = summary.results.reduce((sum, result) => sum + result.pages, 0);
  const valid = summary.validations.reduce((sum, result) => sum + result.validRecords, 0);
  const rejected = summary.validations.reduce((sum, result) => sum + result.rejectedRecords, 0);
  const parts = summary.validations.flatMap((result) =>
    Object.values(result.tables).flatMap((table) => table.keys),
  );
  console.log(
    `\nDone in ${((Date.now() - started) / 1000).toFixed(1)} s: ${summary.results.length} resources, ${pages.toLocaleString('en')} pages, ${records.toLocaleString('en')} records extracted; ${valid.toLocaleString('en')} valid, ${rejected.toLocaleString('en')} rejected.`,
  );
  console.log(`Raw:         ${summary.rawObjectCount} objects under ${join(summary.s3Directory, 'raw')}`);
  console.log(`Transformed: ${parts.length} Parquet parts under ${join(summary.s3Directory, 'transformed')}`);
  if (summary.committed.length) {
    console.log(
      `Incremental state committed for ${summary.committed.map((c) => `${c.source}/${c.resource}`).join(', ')}: the next run starts there.`,
    );
  }
  const example = parts.find((key) => key.startsWith('fakestore/products/'));
  if (example) {
    // s3rver keeps each object's bytes in a file named after the key plus this suffix.
    const file = `${join(summary.s3Directory, 'transformed', example)}._S3rver_object`;
    console.log(
      `\nLook inside one with the DuckDB CLI: duckdb -c "select * from read_parquet('${file}') limit 5"`,
    );
  }
}

main().catch((error: unknown) => {
  console.error(`\n✗ ${(error as Error).message}`);
  process.exitCode = 1;
});
