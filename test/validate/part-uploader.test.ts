import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { partFiles } from '../../lambdas/validate/fast-path/duckdb-fast-path';
import { PartUploader } from '../../lambdas/validate/fast-path/part-uploader';
import { readObjectBytes, startTestEnvironment, TestEnvironment } from '../support/environment';

/** DuckDB's parts are sent while it writes the next: what lands in S3 must be the finished files. */
describe('validate: the fast path sends its Parquet parts as DuckDB finishes them', () => {
  let env: TestEnvironment;
  let directory: string;
  beforeAll(async () => {
    env = await startTestEnvironment();
  }, 60_000);
  afterAll(async () => env.close());
  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'parts-'));
  });
  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  const uploaderFor = (prefix: string) =>
    new PartUploader({
      s3: env.s3,
      bucket: 'transformed',
      directory,
      keyForPart: (part) => `${prefix}/part-${String(part).padStart(5, '0')}.parquet`,
    });
  const exists = async (key: string) =>
    env.s3.send(new HeadObjectCommand({ Bucket: 'transformed', Key: key })).then(
      () => true,
      () => false,
    );
  async function waitUntilSent(key: string): Promise<void> {
    for (let attempt = 0; attempt < 100 && !(await exists(key)); attempt += 1)
      await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await exists(key)).toBe(true);
  }
  const part = (index: number, body: string) => {
    const file = join(directory, `data_${index}.parquet`);
    writeFileSync(file, body);
    return file;
  };

  it('orders parts by the number DuckDB gives them, not by name', () => {
    for (const index of [10, 2, 1]) part(index, `part ${index}`);
    expect(partFiles(directory).map((file) => file.slice(directory.length + 1))).toEqual([
      'data_1.parquet',
      'data_2.parquet',
      'data_10.parquet',
    ]);
  });

  it('sends every part under the key of its place, in order', async () => {
    const files = [part(0, 'first'), part(1, 'second'), part(2, 'third')];
    const keys = await uploaderFor('all').complete(files);
    expect(keys).toEqual(['all/part-00001.parquet', 'all/part-00002.parquet', 'all/part-00003.parquet']);
    for (const [index, key] of keys.entries())
      expect((await readObjectBytes(env.s3, 'transformed', key)).toString()).toBe(
        readFileSync(files[index]!, 'utf8'),
      );
  });

  it('sends a part early once a later one exists, and again if it grew after', async () => {
    const uploader = uploaderFor('early');
    const first = part(0, 'first, still being written');
    part(1, 'second');
    await waitUntilSent('early/part-00001.parquet');
    appendFileSync(first, ' and finished');
    await uploader.complete(partFiles(directory));
    expect((await readObjectBytes(env.s3, 'transformed', 'early/part-00001.parquet')).toString()).toBe(
      'first, still being written and finished',
    );
  });

  it('never sends the newest part before DuckDB is done', async () => {
    const uploader = uploaderFor('newest');
    part(0, 'only part');
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(await exists('newest/part-00001.parquet')).toBe(false);
    await uploader.complete(partFiles(directory));
    expect(await exists('newest/part-00001.parquet')).toBe(true);
  });

  it('removes the parts it sent when DuckDB fails, so that only the JS path writes', async () => {
    const uploader = uploaderFor('discarded');
    part(0, 'first');
    part(1, 'second');
    await waitUntilSent('discarded/part-00001.parquet');
    await uploader.discard();
    expect(await exists('discarded/part-00001.parquet')).toBe(false);
  });
});
