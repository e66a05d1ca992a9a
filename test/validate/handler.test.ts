import { handler as extract, resetContainer as resetExtract } from '../../lambdas/extract/handler';
import { handler as validate, resetContainer as resetValidate } from '../../lambdas/validate/handler';
import {
  listKeys,
  setHandlerEnvironment,
  startTestEnvironment,
  TestEnvironment,
} from '../support/environment';

describe('validate handler', () => {
  let env: TestEnvironment;
  let restoreEnvironment: () => void;
  beforeAll(async () => {
    env = await startTestEnvironment({ eventCount: 2500 });
    restoreEnvironment = setHandlerEnvironment(env);
    resetExtract();
    resetValidate();
  });
  afterAll(async () => {
    restoreEnvironment();
    resetExtract();
    resetValidate();
    await env.close();
  });

  const event = { source: 'events_apikey', resource: 'events', batchId: 'exec-9', logicalDate: '2026-11-20' };

  it('answers with counts that reconcile, the tables with their keys, and the schema versions', async () => {
    await extract(event);
    const result = await validate(event);
    expect(result).toMatchObject({
      inputRecords: 2500,
      validRecords: 2500,
      rejectedRecords: 0,
      rejectKeys: [],
      schemaVersions: { events: 1 },
    });
    expect(result.tables.events).toEqual({
      rows: 2500,
      keys: ['events_apikey/events/dt=2026-11-20/batch=exec-9/part-00001.parquet'],
    });
    expect(await listKeys(env.s3, 'transformed', '_schemas/events_apikey/events/')).toEqual([
      '_schemas/events_apikey/events/current.json',
      '_schemas/events_apikey/events/v1.json',
    ]);
  });

  it('splits a resource into page groups that each write their own numbered parts', async () => {
    const groups = [
      { index: 0, first: 0, count: 2 },
      { index: 1, first: 2, count: 1 },
    ];
    const results = [];
    for (const pageGroup of groups) results.push(await validate({ ...event, pageGroup }));
    expect(results.map((result) => result.tables.events!.keys)).toEqual([
      ['events_apikey/events/dt=2026-11-20/batch=exec-9/part-g000-00001.parquet'],
      ['events_apikey/events/dt=2026-11-20/batch=exec-9/part-g001-00001.parquet'],
    ]);
    expect(results.reduce((sum, result) => sum + result.inputRecords, 0)).toBe(2500);
  });

  it('says to run extract first when the batch has no manifest', async () => {
    await expect(validate({ ...event, batchId: 'never-extracted' })).rejects.toThrow(
      /cannot read the manifest .* run extract for this batch first/,
    );
  });
});
