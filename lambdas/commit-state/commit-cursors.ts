import type { StateStore } from '../shared/state-store';
import type { CursorValue } from '../sources/incremental';

/** What extract returned for one resource: enough to commit its cursor once the run has succeeded. */
export interface PendingCursor {
  source: string;
  resource: string;
  batchId: string;
  pendingCursor?: CursorValue;
  stateEtag?: string;
  /** Pages extract could not read: their records are unknown, so the cursor may not pass them. */
  unreadablePages?: number;
}

export interface CommittedCursor {
  source: string;
  resource: string;
  cursor: CursorValue;
}

/**
 * The last step of a successful run: moves each incremental cursor to where this run got, each write
 * conditional on the state this run started from, so a concurrent run's progress is never overwritten.
 * Resources without a cursor (full refreshes) have nothing to commit; a resource with an unreadable
 * page keeps its cursor, so the next run reads from there again (reconcile fails such a run before it
 * gets here: this is the last line of defence).
 */
export async function commitCursors(
  store: StateStore,
  pending: readonly PendingCursor[],
  now: () => Date = () => new Date(),
): Promise<CommittedCursor[]> {
  const committed: CommittedCursor[] = [];
  for (const item of pending) {
    if (item.pendingCursor === undefined || (item.unreadablePages ?? 0) > 0) continue;
    await store.commit(
      item.source,
      item.resource,
      { cursor: item.pendingCursor, batchId: item.batchId, committedAt: now().toISOString() },
      item.stateEtag,
    );
    committed.push({ source: item.source, resource: item.resource, cursor: item.pendingCursor });
  }
  return committed;
}
