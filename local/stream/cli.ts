import '../local-defaults';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { EventIngestor } from '../../lambdas/ingest/ingest-events';
import { RequestRecords } from '../../lambdas/ingest/request-records';
import { S3RejectStore } from '../../lambdas/ingest/stream-rejects';
import { createS3Client } from '../../lambdas/shared/s3-client';
import { loadContracts } from '../../lambdas/contracts/contract';
import { startLocalS3 } from '../local-s3';
import { LocalSnowpipe, openForEachRound } from '../warehouse/local-snowpipe';
import { LocalFirehose } from './local-firehose';
import { startStreamServer } from './stream-server';

/**
 * `npm run serve`: the streaming path on this machine. POST /events on loopback, the same ingestion
 * code as the Lambda, a Firehose stand-in (1 MiB / 5 s, as the development default in AWS) into the
 * local S3, and the local Snowpipe into the warehouse npm start fills. The warehouse is opened only
 * while files load, so `npm run sql`, `npm run report` and `npm start` work beside it. Ctrl-C flushes,
 * loads, builds CLEAN and exits.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { port: { type: 'string', default: '8787' }, 'data-dir': { type: 'string', default: '.local' } },
  });
  const dataDirectory = values['data-dir'];
  const localS3 = await startLocalS3({
    directory: join(dataDirectory, 's3'),
    buckets: ['raw', 'transformed', 'failed'],
  });
  const s3 = createS3Client({ AWS_ENDPOINT_URL_S3: localS3.endpoint });
  const warehouse = openForEachRound(join(dataDirectory, 'warehouse.duckdb'));
  // Load failures are told at once, with the file's key; they never stop the server or later loads.
  const snowpipe = new LocalSnowpipe(s3, 'transformed', warehouse, {
    report: (message) => console.error(`load: ${message}`),
  });
  snowpipe.attach(localS3);
  const firehose = new LocalFirehose({ s3, bucket: 'transformed' });
  const ingestor = new EventIngestor(
    loadContracts().get('stream/events')!,
    firehose,
    new S3RejectStore(s3, 'failed'),
    { requestRecords: new RequestRecords(s3, 'failed') },
  );
  const server = await startStreamServer(ingestor, Number(values.port));
  console.log(`POST events to ${server.url} (Ctrl-C to stop). For example:

  curl -s -X POST ${server.url} -H 'content-type: application/json' \\
    -d '{"id":"evt_1","type":"purchase","amount":9.5,"currency":"EUR","occurred_at":"2026-11-22T06:00:00Z","updated_at":"2026-11-22T06:00:00Z"}'

Accepted events reach raw.stream__events within 5 s: npm run sql -- "select count(*) from raw.stream__events"`);

  const stop = async () => {
    await server.close();
    await firehose.flush();
    await snowpipe.refresh();
    try {
      await warehouse((opened) => opened.mergeStreamed());
    } catch (error) {
      console.error(`CLEAN not rebuilt (${(error as Error).message}); the next npm start builds it`);
    }
    s3.destroy();
    await localS3.stop();
    const rows = snowpipe.loaded.reduce((sum, file) => sum + file.rows, 0);
    const waiting = snowpipe.waiting.length
      ? `; ${snowpipe.waiting.length} file(s) wait in ${join(dataDirectory, 's3', 'transformed')} for the next npm start`
      : '';
    const failed = snowpipe.failed.size ? `; ${snowpipe.failed.size} file(s) could not load (above)` : '';
    console.log(
      `\nFlushed and stopped: ${firehose.objects.length} file(s) written, ${rows} row(s) loaded${failed}${waiting}.`,
    );
  };
  process.once('SIGINT', () => {
    stop().catch((error: unknown) => {
      // The accepted events are in the local S3 whatever failed here: the next npm start loads them.
      console.error(`serve: stopping failed (${(error as Error).message})`);
      process.exitCode = 1;
    });
  });
}

main().catch((error: unknown) => {
  console.error(`serve: ${(error as Error).message}`);
  process.exitCode = 1;
});
