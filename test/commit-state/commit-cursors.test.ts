import { commitCursors } from '../../lambdas/commit-state/commit-cursors';
import { StateConflictError } from '../../lambdas/shared/errors';
import { StateStore } from '../../lambdas/shared/state-store';
import { RAW_BUCKET, startTestEnvironment, TestEnvironment } from '../support/environment';

describe('committing cursors after a successful run', () => {
  let env: TestEnvironment;
  let store: StateStore;
  beforeAll(async () => {
    env = await startTestEnvironment();
    store = new StateStore(env.s3, RAW_BUCKET);
  });
  afterAll(async () => env.close());

  const at = () => new Date('2026-11-20T07:00:00.000Z');

  it('commits each incremental cursor and skips full-refresh resources', async () => {
    const committed = await commitCursors(
      store,
      [
        {
          source: 'fakestore',
          resource: 'carts',
          batchId: 'run-1',
          pendingCursor: '2020-03-02T00:00:00.000Z',
        },
        { source: 'fakestore', resource: 'products', batchId: 'run-1' },
      ],
      at,
    );
    expect(committed).toEqual([
      { source: 'fakestore', resource: 'carts', cursor: '2020-03-02T00:00:00.000Z' },
    ]);
    expect((await store.read('fakestore', 'carts'))!.state).toEqual({
      cursor: '2020-03-02T00:00:00.000Z',
      batchId: 'run-1',
      committedAt: '2026-11-20T07:00:00.000Z',
    });
    expect(await store.read('fakestore', 'products')).toBeUndefined();
  });

  it('refuses to commit over state that moved since the run read it', async () => {
    const before = await store.read('fakestore', 'carts');
    await commitCursors(
      store,
      [
        {
          source: 'fakestore',
          resource: 'carts',
          batchId: 'run-2',
          pendingCursor: '2020-03-05T00:00:00.000Z',
          stateEtag: before!.etag,
        },
      ],
      at,
    );
    await expect(
      commitCursors(
        store,
        [
          {
            source: 'fakestore',
            resource: 'carts',
            batchId: 'run-3',
            pendingCursor: '2020-03-09T00:00:00.000Z',
            stateEtag: before!.etag,
          },
        ],
        at,
      ),
    ).rejects.toThrow(StateConflictError);
    expect((await store.read('fakestore', 'carts'))!.state.batchId).toBe('run-2');
  });
});
