import { z } from 'zod';
import { stateBucketName } from '../shared/required-env';
import { logger } from '../shared/logger';
import { createS3Client } from '../shared/s3-client';
import { parseStepEvent } from '../shared/step-event';
import { StateStore } from '../shared/state-store';
import { commitCursors, CommittedCursor } from './commit-cursors';

const cursor = z.union([z.string(), z.number()]);
const commitEventSchema = z.object({
  extracted: z.array(
    z
      .object({
        source: z.string(),
        resource: z.string(),
        batchId: z.string(),
        pendingCursor: cursor.nullish(),
        stateEtag: z.string().nullish(),
        unreadablePages: z.number().int().min(0).optional(),
      })
      .loose(),
  ),
});

export type CommitEvent = z.input<typeof commitEventSchema>;

let store: StateStore | undefined;

/** The state machine's last step: the run succeeded, so each resource's cursor moves to where it got. */
export async function handler(event: CommitEvent): Promise<{ committed: CommittedCursor[] }> {
  const input = parseStepEvent(commitEventSchema, event, 'commit-state', '{ extracted: [...] } from extract');
  store ??= new StateStore(createS3Client(), stateBucketName());
  const committed = await commitCursors(
    store,
    input.extracted.map((item) => ({
      ...item,
      pendingCursor: item.pendingCursor ?? undefined,
      stateEtag: item.stateEtag ?? undefined,
    })),
  );
  logger.info('cursors committed', { committed });
  return { committed };
}

/** For tests and local mode: forget the per-container client so new environment settings apply. */
export function resetContainer(): void {
  store = undefined;
}
