import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runLocalPipeline } from '../../local/local-run';

describe('npm start (local run)', () => {
  const dataDirectory = mkdtempSync(join(tmpdir(), 'local-run-'));
  const savedEnv = { ...process.env };
  afterAll(() => {
    process.env = savedEnv;
    rmSync(dataDirectory, { recursive: true, force: true });
  });

  const run = (batchId: string, faults = []) =>
    runLocalPipeline({ dataDirectory, sources: ['fakestore'], logicalDate: '2026-11-20', batchId, faults });

  it('extracts, validates every record into Parquet, and commits the cursor last', async () => {
    const summary = await run('run-1');
    expect(summary.results.map((result) => `${result.source}/${result.resource}:${result.records}`)).toEqual([
      'fakestore/products:20',
      'fakestore/users:10',
      'fakestore/carts:7',
    ]);
    expect(
      summary.validations.map((result) => [result.resource, result.validRecords, result.rejectedRecords]),
    ).toEqual([
      ['products', 20, 0],
      ['users', 10, 0],
      ['carts', 7, 0],
    ]);
    expect(summary.validations[2]!.tables.carts__products!.rows).toBe(14);
    expect(summary.committed).toEqual([
      { source: 'fakestore', resource: 'carts', cursor: '2020-03-02T00:00:00.000Z' },
    ]);
  });

  it('starts the next run from the committed cursor, less the lag', async () => {
    const summary = await run('run-2');
    // One day of lag before 2020-03-02: the carts of 2020-03-01 and 2020-03-02 come again.
    expect(summary.results.find((result) => result.resource === 'carts')).toMatchObject({
      startCursor: '2020-03-01T00:00:00.000Z',
      records: 5,
    });
  });

  it('leaves the state where it was when a step fails', async () => {
    await expect(
      run('run-3', [{ kind: '500', times: Infinity, path: '/fakestore/carts' }] as never),
    ).rejects.toThrow(/HTTP 500/);
    const summary = await run('run-4');
    expect(summary.results.find((result) => result.resource === 'carts')).toMatchObject({
      startCursor: '2020-03-01T00:00:00.000Z',
    });
  });
});
