import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { EventIngestor } from '../../lambdas/ingest/ingest-events';
import { S3RejectStore } from '../../lambdas/ingest/stream-rejects';
import { createS3Client } from '../../lambdas/shared/s3-client';
import { loadContracts } from '../../lambdas/contracts/contract';
import { LocalS3, startLocalS3 } from '../../local/local-s3';
import { LocalFirehose, LocalFirehoseOptions } from '../../local/stream/local-firehose';
import { startStreamServer, StreamServer } from '../../local/stream/stream-server';
import { LocalSnowpipe } from '../../local/warehouse/local-snowpipe';
import { LocalWarehouse } from '../../local/warehouse/warehouse';

/** An event of the stream's contract, valid unless `extra` spoils it. */
export const streamEvent = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  type: 'purchase',
  amount: 9.5,
  currency: 'EUR',
  occurred_at: '2026-11-22T06:00:00Z',
  updated_at: '2026-11-22T06:00:00Z',
  ...extra,
});

export interface LocalStream {
  s3: S3Client;
  warehouse: LocalWarehouse;
  snowpipe: LocalSnowpipe;
  firehose: LocalFirehose;
  server: StreamServer;
  /** What the local Snowpipe reported (failed loads). */
  loadProblems: string[];
  stop(): Promise<void>;
}

/** `npm run serve`'s parts in this process, in a directory of their own: the server, the stand-ins, the warehouse. */
export async function startLocalStream(
  firehoseOptions: Omit<LocalFirehoseOptions, 's3' | 'bucket'>,
): Promise<LocalStream> {
  const directory = mkdtempSync(join(tmpdir(), 'local-stream-'));
  const localS3: LocalS3 = await startLocalS3({
    directory: join(directory, 's3'),
    buckets: ['transformed', 'failed'],
  });
  const s3 = createS3Client({ AWS_ENDPOINT_URL_S3: localS3.endpoint });
  const warehouse = await LocalWarehouse.open(join(directory, 'warehouse.duckdb'));
  const loadProblems: string[] = [];
  const snowpipe = new LocalSnowpipe(s3, 'transformed', warehouse, {
    report: (line) => loadProblems.push(line),
  });
  snowpipe.attach(localS3);
  const firehose = new LocalFirehose({ s3, bucket: 'transformed', ...firehoseOptions });
  const server = await startStreamServer(
    new EventIngestor(loadContracts().get('stream/events')!, firehose, new S3RejectStore(s3, 'failed')),
  );
  return {
    s3,
    warehouse,
    snowpipe,
    firehose,
    server,
    loadProblems,
    async stop() {
      await server.close();
      warehouse.close();
      s3.destroy();
      await localS3.stop();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
