import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { extractResource } from '../../lambdas/extract/extract-resource';
import type { Manifest } from '../../lambdas/raw-zone/raw-landing';
import { fixtureDirectory } from '../../local/fixture-api/fixture-data';
import {
  listKeys,
  objectMetadata,
  RAW_BUCKET,
  readJson,
  readObjectBytes,
  readRawPage,
  startTestEnvironment,
  TestEnvironment,
} from '../support/environment';
import { builtInSourceAt } from '../support/sources';

describe('raw landing', () => {
  let env: TestEnvironment;
  beforeAll(async () => (env = await startTestEnvironment()));
  afterAll(async () => env.close());

  const batch = { batchId: 'b-landing', logicalDate: '2026-11-20' };

  it('lands a page byte for byte as the API sent it, gzipped, at the deterministic key', async () => {
    const result = await extractResource(env.deps(), {
      source: builtInSourceAt(env.api, 'gfn'),
      resource: 'countries',
      ...batch,
    });

    const key = 'gfn/countries/dt=2026-11-20/batch=b-landing/page-00001.json.gz';
    expect(result.pageKeys).toEqual([key]);
    expect(result.records).toBe(222);
    // The fixture API serves countries.json unchanged, so the raw page must equal the file.
    expect(
      (await readRawPage(env.s3, key)).equals(readFileSync(join(fixtureDirectory, 'gfn', 'countries.json'))),
    ).toBe(true);
  });

  it('stores source, resource, page, secret-free request URL, status and fetch time as object metadata', async () => {
    await extractResource(env.deps(), {
      source: builtInSourceAt(env.api, 'gfn'),
      resource: 'types',
      ...batch,
    });
    const metadata = await objectMetadata(
      env.s3,
      'gfn/types/dt=2026-11-20/batch=b-landing/page-00001.json.gz',
    );
    expect(metadata).toMatchObject({
      source: 'gfn',
      resource: 'types',
      page: '1',
      'request-url': `${env.api.baseUrls.gfn}/types`,
      status: '200',
      'record-count': '16',
    });
    expect(Date.parse(metadata['fetched-at']!)).not.toBeNaN();
  });

  it('writes a manifest listing every page with its record count, records path and primary key', async () => {
    await extractResource(env.deps(), {
      source: builtInSourceAt(env.api, 'fakestore'),
      resource: 'carts',
      ...batch,
    });
    const manifest = await readJson<Manifest>(
      env.s3,
      RAW_BUCKET,
      'fakestore/carts/dt=2026-11-20/batch=b-landing/manifest.json',
    );
    expect(manifest).toMatchObject({
      source: 'fakestore',
      resource: 'carts',
      batchId: 'b-landing',
      logicalDate: '2026-11-20',
      complete: true,
      recordsPath: '',
      primaryKey: ['id'],
      records: 7,
      pendingCursor: '2020-03-02T00:00:00.000Z',
    });
    expect(manifest.pages).toEqual([
      expect.objectContaining({
        key: 'fakestore/carts/dt=2026-11-20/batch=b-landing/page-00001.json.gz',
        page: 1,
        records: 7,
        status: 200,
      }),
    ]);
  });

  it('re-running the same batch overwrites the same keys with byte-identical objects and adds none', async () => {
    const source = builtInSourceAt(env.api, 'events_apikey');
    const request = { source, resource: 'events', batchId: 'b-rerun', logicalDate: '2026-11-20' };
    const first = await extractResource(env.deps(), request);
    const prefix = 'events_apikey/events/dt=2026-11-20/batch=b-rerun/';
    const keysAfterFirst = await listKeys(env.s3, RAW_BUCKET, prefix);
    const bytesAfterFirst = await Promise.all(
      first.pageKeys.map((key) => readObjectBytes(env.s3, RAW_BUCKET, key)),
    );

    const second = await extractResource(env.deps(), request);

    expect(second.pageKeys).toEqual(first.pageKeys);
    expect(await listKeys(env.s3, RAW_BUCKET, prefix)).toEqual(keysAfterFirst);
    const bytesAfterSecond = await Promise.all(
      second.pageKeys.map((key) => readObjectBytes(env.s3, RAW_BUCKET, key)),
    );
    bytesAfterSecond.forEach((bytes, index) => expect(bytes.equals(bytesAfterFirst[index]!)).toBe(true));
    expect(second.records).toBe(5000);
  });
});
