import { validateResource, ValidateDeps } from '../../lambdas/validate/validate-resource';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { RAW_BUCKET, readObjectBytes, startTestEnvironment, TestEnvironment } from '../support/environment';
import { validateDepsFor } from '../support/validate-deps';
import { landRawPages } from '../support/raw-pages';

const event = (n: number) => ({
  id: `evt_${String(n).padStart(9, '0')}`,
  type: 'page_view',
  occurred_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
});

describe('validate: batch-level rules (the pre-load tier of data quality)', () => {
  let env: TestEnvironment;
  let deps: ValidateDeps;
  beforeAll(async () => {
    env = await startTestEnvironment();
    deps = validateDepsFor(env);
  });
  afterAll(async () => env.close());

  const validateBatch = async (
    batchId: string,
    records: number,
    pageGroup?: { index: number; first: number; count: number },
  ) => {
    const batch = { source: 'events_apikey', resource: 'events', logicalDate: '2026-11-20', batchId };
    const body = JSON.stringify({
      items: Array.from({ length: records }, (_, n) => event(n + 1)),
      total: records,
    });
    await landRawPages(env.s3, batch, [body], 'items');
    return validateResource(deps, { ...batch, ...(pageGroup ? { pageGroup } : {}) });
  };

  it('warns when a resource that had thousands of records comes back empty', async () => {
    expect((await validateBatch('b-1', 1500)).warnings).toEqual([]);
    const empty = await validateBatch('b-2', 0);
    expect(empty.warnings).toEqual([
      'events_apikey/events: 0 records in this batch against 1500 in the previous one (2026-11-20) — check the source',
    ]);
    expect(env.logs.text()).toContain('batch rule');
  });

  it('expects fewer records from an incremental resource, and only warns when it returns none', async () => {
    const batch = (batchId: string) => ({
      source: 'events_oauth',
      resource: 'events',
      logicalDate: '2026-11-21',
      batchId,
    });
    const land = async (batchId: string, records: number) => {
      await landRawPages(
        env.s3,
        batch(batchId),
        [JSON.stringify({ data: Array.from({ length: records }, (_, n) => event(n + 1)) })],
        'data',
      );
      // extract writes the cursor it started from into the manifest of an incremental resource
      const key = `events_oauth/events/dt=2026-11-21/batch=${batchId}/manifest.json`;
      const manifest = JSON.parse((await readObjectBytes(env.s3, RAW_BUCKET, key)).toString('utf8'));
      await env.s3.send(
        new PutObjectCommand({
          Bucket: RAW_BUCKET,
          Key: key,
          Body: JSON.stringify({ ...manifest, startCursor: '2026-01-01T00:00:00Z' }),
        }),
      );
      return validateResource(deps, batch(batchId));
    };
    await land('i-1', 1200);
    expect((await land('i-2', 40)).warnings).toEqual([]);
    await land('i-3', 1200);
    expect((await land('i-4', 0)).warnings).toHaveLength(1);
  });

  it('stays quiet for normal changes and small resources, and judges the resource once per batch', async () => {
    expect((await validateBatch('b-3', 900)).warnings).toEqual([]); // after an empty batch: nothing to compare with
    expect((await validateBatch('b-4', 5)).warnings).toEqual([]); // 900 is below the size that matters
    await validateBatch('b-5', 2000);
    // A later page group of the same batch does not judge (or record) again.
    expect((await validateBatch('b-6', 10, { index: 1, first: 0, count: 1 })).warnings).toEqual([]);
    expect((await validateBatch('b-7', 10)).warnings).toHaveLength(1);
  });
});
