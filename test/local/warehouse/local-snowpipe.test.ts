import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DuckDBInstance } from '@duckdb/node-api';
import { createS3Client } from '../../../lambdas/shared/s3-client';
import { LocalS3, startLocalS3 } from '../../../local/local-s3';
import { LocalSnowpipe } from '../../../local/warehouse/local-snowpipe';
import type { PipelineWarehouse } from '../../../local/warehouse/pipeline-warehouse';
import { warehouseEngines } from '../../support/warehouse-engines';

/** A small Parquet file as validate would write it: some columns plus the lineage. */
async function parquetFile(directory: string, name: string, select: string): Promise<Buffer> {
  const file = join(directory, name);
  const connection = await (await DuckDBInstance.create(':memory:')).connect();
  await connection.run(`copy (${select}) to '${file}' (format parquet)`);
  return readFileSync(file);
}

const lineage = `'b1' as _batch_id, timestamptz '2026-11-20 06:00:00+00' as _extracted_at, 'fakestore/products/p1' as _source_key`;

/** Rows with 64-bit integers as numbers: DuckDB answers BIGINT as bigint, PostgreSQL as number. */
const plain = (rows: Record<string, unknown>[]) =>
  rows.map((row) =>
    Object.fromEntries(
      Object.entries(row).map(([key, value]) => [key, typeof value === 'bigint' ? Number(value) : value]),
    ),
  );

describe.each(warehouseEngines())('the local Snowpipe, into $name', (engine) => {
  const directory = mkdtempSync(join(tmpdir(), 'snowpipe-test-'));
  let localS3: LocalS3;
  let s3: S3Client;
  let warehouse: PipelineWarehouse;
  let snowpipe: LocalSnowpipe;
  const reported: string[] = [];
  beforeAll(async () => {
    localS3 = await startLocalS3({ directory: join(directory, 's3'), buckets: ['transformed'] });
    s3 = createS3Client({ AWS_ENDPOINT_URL_S3: localS3.endpoint });
    await engine.start(directory);
    warehouse = await engine.open(directory, 'warehouse');
    snowpipe = new LocalSnowpipe(s3, 'transformed', warehouse, { report: (line) => reported.push(line) });
    snowpipe.attach(localS3);
  }, 60_000);
  afterAll(async () => {
    await warehouse?.close();
    await engine.stop();
    s3.destroy();
    await localS3.stop();
    rmSync(directory, { recursive: true, force: true });
  });

  const put = (key: string, body: Buffer) =>
    s3.send(new PutObjectCommand({ Bucket: 'transformed', Key: key, Body: body }));
  const count = async (table: string) =>
    Number((await warehouse.rows(`select count(*) as n from raw.${table}`))[0]!.n);
  const firstKey = 'fakestore/products/dt=2026-11-20/batch=b1/part-00001.parquet';

  it('loads a Parquet part into its RAW table when the object-created event arrives, with file name and row number', async () => {
    await put(
      firstKey,
      await parquetFile(
        directory,
        'a.parquet',
        `select range as id, ${lineage}, md5(range::varchar) as _record_hash from range(3)`,
      ),
    );
    await snowpipe.drain();
    expect(await count('fakestore__products')).toBe(3);
    expect(
      plain(
        await warehouse.rows(
          'select id, _file_name, _file_row_number from raw.fakestore__products order by id',
        ),
      ),
    ).toEqual([
      { id: 0, _file_name: firstKey, _file_row_number: 1 },
      { id: 1, _file_name: firstKey, _file_row_number: 2 },
      { id: 2, _file_name: firstKey, _file_row_number: 3 },
    ]);
  });

  it('loads nothing when the same event is delivered again, or the same file name written again', async () => {
    snowpipe.deliver(firstKey);
    snowpipe.deliver(firstKey);
    await put(
      firstKey,
      await parquetFile(
        directory,
        'b.parquet',
        `select range as id, ${lineage}, 'x' as _record_hash from range(10)`,
      ),
    );
    await snowpipe.refresh();
    expect(await count('fakestore__products')).toBe(3);
    expect(plain(await warehouse.rows('select file_name, row_count from raw._load_history'))).toEqual([
      { file_name: firstKey, row_count: 3 },
    ]);
    expect(snowpipe.loaded).toEqual([{ key: firstKey, rows: 3 }]);
  });

  it('adds a column a later part brings (schema evolution), earlier rows null in it', async () => {
    const key = 'fakestore/products/dt=2026-11-21/batch=b2/part-00001.parquet';
    await put(
      key,
      await parquetFile(
        directory,
        'c.parquet',
        `select 7 as id, ${lineage}, 'h' as _record_hash, 'new' as colour`,
      ),
    );
    await snowpipe.drain();
    expect(plain(await warehouse.rows('select id, colour from raw.fakestore__products order by id'))).toEqual(
      [
        { id: 0, colour: null },
        { id: 1, colour: null },
        { id: 2, colour: null },
        { id: 7, colour: 'new' },
      ],
    );
  });

  it('ignores objects that are not table parts (schema versions)', async () => {
    await put('_schemas/fakestore/products/v1.json', Buffer.from('{}'));
    await snowpipe.drain();
    expect(snowpipe.loaded).toHaveLength(2);
  });

  it('types stream lines by the contract, never by the first file: a later 9.5 stays 9.5', async () => {
    const line = (id: string, amount: number) =>
      JSON.stringify({
        id,
        type: 'purchase',
        amount,
        currency: 'EUR',
        occurred_at: '2026-12-04T06:00:00.000Z',
        updated_at: '2026-12-04T06:00:00.000Z',
        _batch_id: 'req-1',
        _extracted_at: '2026-12-04T06:00:01.000Z',
        _source_key: 'api:POST /events',
        _record_hash: id,
      });
    // The first file holds only whole amounts: inference would make the column BIGINT.
    await warehouse.loadFile('stream/events/dt=2026-12-04/a.jsonl.gz', gzipSync(`${line('e1', 10)}\n`));
    await warehouse.loadFile(
      'stream/events/dt=2026-12-04/b.jsonl.gz',
      gzipSync(`${line('e2', 9.5)}\n${line('e3', 100.75)}\n`),
    );
    const rows = await warehouse.rows('select id, amount from raw.stream__events order by id');
    expect(rows.map((row) => [row.id, row.amount])).toEqual([
      ['e1', 10],
      ['e2', 9.5],
      ['e3', 100.75],
    ]);
    const [type] = await warehouse.rows(
      "select data_type from information_schema.columns where table_schema = 'raw' and table_name = 'stream__events' and column_name = 'amount'",
    );
    expect(type!.data_type).toBe(engine.doubleType);
  });

  const streamLine = (id: string, extra: Record<string, unknown> = {}) =>
    JSON.stringify({
      id,
      type: 'purchase',
      amount: 1.5,
      currency: 'EUR',
      occurred_at: '2026-12-04T06:00:00.000Z',
      updated_at: '2026-12-04T06:00:00.000Z',
      _batch_id: 'req-2',
      _extracted_at: '2026-12-04T06:00:01.000Z',
      _source_key: 'api:POST /events',
      _record_hash: id,
      ...extra,
    });

  it('reports a file that fails to load at once, with its key, and loads the files after it', async () => {
    const broken = 'stream/events/dt=2026-12-04/c-broken.jsonl.gz';
    const after = 'stream/events/dt=2026-12-04/d-after.jsonl.gz';
    // A value the contract's column type cannot hold: the whole file fails, as in Snowflake.
    await put(broken, gzipSync(`${streamLine('e4', { amount: 'lots' })}\n`));
    await put(after, gzipSync(`${streamLine('e5')}\n`));
    await snowpipe.drain();
    expect(reported).toEqual([expect.stringContaining(`could not load ${broken} into raw.stream__events`)]);
    expect(snowpipe.failuresWhere(() => true)).toEqual([
      { key: broken, error: expect.stringMatching(/lots/) },
    ]);
    expect(await warehouse.rows("select id from raw.stream__events where id in ('e4', 'e5')")).toEqual([
      { id: 'e5' },
    ]);

    // Fixed and written again, the file loads with the next refresh and is no longer a failure.
    await put(broken, gzipSync(`${streamLine('e4')}\n`));
    await snowpipe.refresh();
    expect(snowpipe.failed.size).toBe(0);
    expect(await count('stream__events')).toBe(5);
  });

  it("merges the stream's table into CLEAN as Snowflake's task does, and only that table", async () => {
    const streamOnly = await engine.open(directory, 'stream_only');
    try {
      await streamOnly.loadFile(
        'stream/events/dt=2026-12-04/a.jsonl.gz',
        gzipSync(`${streamLine('e1')}\n${streamLine('e2')}\n`),
      );
      expect(await streamOnly.mergeStreamed()).toEqual(['stream__events']);
      await streamOnly.loadFile(
        'stream/events/dt=2026-12-04/b.jsonl.gz',
        gzipSync(`${streamLine('e2')}\n${streamLine('e3')}\n`),
      );
      expect(await streamOnly.mergeStreamed()).toEqual(['stream__events']);
      expect(await streamOnly.rows('select id from clean.stream__events order by id')).toEqual([
        { id: 'e1' },
        { id: 'e2' },
        { id: 'e3' },
      ]);
    } finally {
      await streamOnly.close();
    }
  });
});
