import { commitCursors } from '../../lambdas/commit-state/commit-cursors';
import { StateConflictError } from '../../lambdas/shared/errors';
import { StateStore } from '../../lambdas/shared/state-store';
import {
  RAW_BUCKET,
  setHandlerEnvironment,
  startTestEnvironment,
  TestEnvironment,
} from '../support/environment';
import { handler, resetContainer } from '../../lambdas/commit-state/handler';

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

  it('never moves a cursor past a resource with an unreadable page', async () => {
    const committed = await commitCursors(
      store,
      [
        {
          source: 'gfn',
          resource: 'footprint_by_year',
          batchId: 'run-1',
          pendingCursor: 2018,
          unreadablePages: 1,
        },
      ],
      at,
    );
    expect(committed).toEqual([]);
    expect(await store.read('gfn', 'footprint_by_year')).toBeUndefined();
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

describe('the commit-state handler', () => {
  let env: TestEnvironment;
  let restore: () => void;
  beforeAll(async () => {
    env = await startTestEnvironment();
    restore = setHandlerEnvironment(env);
    resetContainer();
  });
  afterAll(async () => {
    restore();
    resetContainer();
    await env.close();
  });

  it('commits what the state machine hands over, with null for "no cursor"', async () => {
    const answer = await handler({
      extracted: [
        {
          source: 'events_oauth',
          resource: 'events',
          batchId: 'run-7',
          pendingCursor: '2026-01-01T01:00:00Z',
          stateEtag: null,
        },
        { source: 'fakestore', resource: 'users', batchId: 'run-7', pendingCursor: null, stateEtag: null },
      ],
    });
    expect(answer.committed).toEqual([
      { source: 'events_oauth', resource: 'events', cursor: '2026-01-01T01:00:00Z' },
    ]);
    const stored = await new StateStore(env.s3, RAW_BUCKET).read('events_oauth', 'events');
    expect(stored!.state).toMatchObject({ cursor: '2026-01-01T01:00:00Z', batchId: 'run-7' });
  });

  it('says what it expects when the input is not what the state machine sends', async () => {
    await expect(handler({ extracted: 'all' } as never)).rejects.toThrow(
      /commit-state event is invalid: extracted/,
    );
  });
});
