/**
 * Streaming load test: N events posted to the local POST /events by C concurrent clients, B events per
 * request, through the same ingestion code as the Lambda, the Firehose stand-in and the local Snowpipe.
 * Reports accepted events/s, request latency p50/p99, and checks that every event reached DuckDB once.
 *
 *   npx tsx bench/stream.bench.ts [events=100000] [clients=8] [events per request=100]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventIngestor } from '../lambdas/ingest/ingest-events';
import { S3RejectStore } from '../lambdas/ingest/stream-rejects';
import { logger } from '../lambdas/shared/logger';
import { createS3Client } from '../lambdas/shared/s3-client';
import { loadContracts } from '../lambdas/contracts/contract';
import { startLocalS3 } from '../local/local-s3';
import { LocalFirehose } from '../local/stream/local-firehose';
import { startStreamServer } from '../local/stream/stream-server';
import { LocalSnowpipe } from '../local/warehouse/local-snowpipe';
import { LocalWarehouse } from '../local/warehouse/warehouse';
import { eventsBetween } from '../local/fixture-api/events';
import { readResult, writeResult } from './results';

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

/** bench/results/stream.json, by events per request. */
export interface StreamFigures {
  events: number;
  eventsPerRequest: number;
  /** JSON bytes of one event as posted. */
  eventBytes: number;
  p50Ms: number;
}

async function main(): Promise<void> {
  const [events = 100_000, clients = 8, perRequest = 100] = process.argv.slice(2).map(Number);
  logger.setLogLevel('WARN');
  const directory = mkdtempSync(join(tmpdir(), 'bench-stream-'));
  const localS3 = await startLocalS3({
    directory: join(directory, 's3'),
    buckets: ['transformed', 'failed'],
  });
  const s3 = createS3Client({ AWS_ENDPOINT_URL_S3: localS3.endpoint });
  const warehouse = await LocalWarehouse.open(join(directory, 'warehouse.duckdb'));
  const snowpipe = new LocalSnowpipe(s3, 'transformed', warehouse);
  snowpipe.attach(localS3);
  const firehose = new LocalFirehose({ s3, bucket: 'transformed', maxBytes: 1024 * 1024, maxDelayMs: 5000 });
  const ingestor = new EventIngestor(
    loadContracts().get('stream/events')!,
    firehose,
    new S3RejectStore(s3, 'failed'),
  );
  const server = await startStreamServer(ingestor);
  try {
    const batches: string[] = [];
    for (let first = 0; first < events; first += perRequest)
      batches.push(JSON.stringify(eventsBetween(first, Math.min(events, first + perRequest))));
    console.log(
      `stream benchmark: ${events.toLocaleString('en')} events, ${clients} clients, ${perRequest} per request; ${cpus().length} × ${cpus()[0]?.model}, Node ${process.version}`,
    );
    const latencies: number[] = [];
    let accepted = 0;
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: clients }, async () => {
        for (let index = next++; index < batches.length; index = next++) {
          const sent = performance.now();
          const response = await fetch(server.url, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: batches[index],
          });
          const answer = (await response.json()) as { accepted: number };
          latencies.push(performance.now() - sent);
          if (response.status !== 200) throw new Error(`request ${index} answered ${response.status}`);
          accepted += answer.accepted;
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    await firehose.flush();
    await snowpipe.refresh();
    const [{ rows, distinct }] = (await warehouse.rows(
      'select count(*)::integer as rows, count(distinct id)::integer as distinct from raw.stream__events',
    )) as [{ rows: number; distinct: number }];
    latencies.sort((a, b) => a - b);
    console.log(
      '\n| events | clients | per request | seconds | accepted events/s | p50 (ms) | p99 (ms) | in DuckDB (distinct) | objects | peak RSS (MB) |',
    );
    console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    console.log(
      `| ${events.toLocaleString('en')} | ${clients} | ${perRequest} | ${seconds.toFixed(2)} | ${Math.round(accepted / seconds).toLocaleString('en')} | ${percentile(latencies, 50).toFixed(1)} | ${percentile(latencies, 99).toFixed(1)} | ${rows.toLocaleString('en')} (${distinct.toLocaleString('en')}) | ${firehose.objects.length} | ${Math.round(process.resourceUsage().maxRSS / 1024)} |`,
    );
    if (accepted !== events || rows !== events || distinct !== events)
      throw new Error(
        `events lost or duplicated: sent ${events}, accepted ${accepted}, in DuckDB ${rows} (${distinct} distinct)`,
      );
    console.log('\nnothing lost: every event sent is in raw.stream__events exactly once');
    // For the cost model: what one event weighs, and what a request takes, by events per request.
    const previous = readResult<Record<string, StreamFigures>>('stream')?.figures ?? {};
    writeResult('stream', {
      ...previous,
      [String(perRequest)]: {
        events,
        eventsPerRequest: perRequest,
        eventBytes: Math.round(batches.reduce((sum, batch) => sum + Buffer.byteLength(batch), 0) / events),
        p50Ms: Math.round(percentile(latencies, 50) * 10) / 10,
      },
    });
  } finally {
    await server.close();
    warehouse.close();
    s3.destroy();
    await localS3.stop();
    rmSync(directory, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
