import { RunLeases } from '../../lambdas/run-lease/run-leases';
import { RunInProgressError } from '../../lambdas/shared/errors';
import { listKeys, RAW_BUCKET, startTestEnvironment, TestEnvironment } from '../support/environment';

describe('run leases: one run per resource at a time', () => {
  let env: TestEnvironment;
  let clock = Date.parse('2026-12-04T06:00:00.000Z');
  const leases = () => new RunLeases(env.s3, RAW_BUCKET, env.logs, () => new Date(clock));
  const hour = 3_600_000;
  const carts = { source: 'fakestore', resource: 'carts' };
  const users = { source: 'fakestore', resource: 'users' };
  const years = { source: 'gfn', resource: 'years' };

  beforeAll(async () => (env = await startTestEnvironment()));
  afterAll(async () => env.close());
  afterEach(async () => {
    for (const batchId of ['a', 'b', 'c']) await leases().release(batchId);
    clock = Date.parse('2026-12-04T06:00:00.000Z');
  });

  it('lets a second run over a shared resource stop with the holder named, and takes none of its leases', async () => {
    await leases().acquire({ batchId: 'a', executionArn: 'arn:exec:a' }, [carts], hour);
    const second = leases().acquire({ batchId: 'b' }, [users, carts, years], hour);
    await expect(second).rejects.toThrow(RunInProgressError);
    await expect(second).rejects.toThrow(
      /batch a has been running fakestore\/carts since .*Next step: let that run finish .*arn:exec:a/,
    );
    // All or nothing: the leases b took before it met a's were given back.
    expect(await listKeys(env.s3, RAW_BUCKET, 'locks/')).toEqual(['locks/fakestore/carts.json']);
  });

  it('lets runs over different resources go on side by side', async () => {
    await leases().acquire({ batchId: 'a' }, [carts], hour);
    await expect(leases().acquire({ batchId: 'b' }, [years], hour)).resolves.toEqual([
      'locks/gfn/years.json',
    ]);
  });

  it('lets only one of two runs starting at once win a resource', async () => {
    const outcomes = await Promise.allSettled([
      leases().acquire({ batchId: 'a' }, [carts, users], hour),
      leases().acquire({ batchId: 'b' }, [users, carts], hour),
    ]);
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
  });

  it('is re-entrant for the run that holds it (a retried step)', async () => {
    await leases().acquire({ batchId: 'a' }, [carts], hour);
    await expect(leases().acquire({ batchId: 'a' }, [carts], hour)).resolves.toEqual([
      'locks/fakestore/carts.json',
    ]);
  });

  it('takes over a lease past its expiry: its run can no longer be running', async () => {
    await leases().acquire({ batchId: 'a' }, [carts], hour);
    clock += 2 * hour;
    await expect(leases().acquire({ batchId: 'b' }, [carts], hour)).resolves.toHaveLength(1);
    expect(env.logs.lines.some((line) => line.message === 'took over an expired run lease')).toBe(true);
  });

  it('gives back only the leases of the batch that releases', async () => {
    await leases().acquire({ batchId: 'a' }, [carts], hour);
    await leases().acquire({ batchId: 'b' }, [years], hour);
    expect(await leases().release('b')).toEqual(['locks/gfn/years.json']);
    expect(await leases().release('c')).toEqual([]);
    expect(await listKeys(env.s3, RAW_BUCKET, 'locks/')).toEqual(['locks/fakestore/carts.json']);
  });
});
