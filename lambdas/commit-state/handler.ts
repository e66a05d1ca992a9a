import * as z from 'zod';
import { poweredHandler } from '../shared/powered-handler';
import { stateBucketName } from '../shared/required-env';
import { logger } from '../shared/logger';
import { createS3Client } from '../shared/s3-client';
import { parseStepEvent } from '../shared/step-event';
import { extractResultSchema } from '../shared/step-messages';
import { StateStore } from '../shared/state-store';
import { commitCursors, CommittedCursor } from './commit-cursors';

const extracted = extractResultSchema.shape;
/** What commit-state reads of each extract (Step Functions may hand an absent cursor over as null). */
const commitEventSchema = z.object({
  extracted: z.array(
    extractResultSchema
      .pick({ source: true, resource: true, batchId: true, unreadablePages: true })
      .partial({ unreadablePages: true })
      .extend({
        pendingCursor: extracted.pendingCursor.unwrap().nullish(),
        stateEtag: extracted.stateEtag.unwrap().nullish(),
      })
      .loose(),
  ),
});

export type CommitEvent = z.input<typeof commitEventSchema>;

let store: StateStore | undefined;

/** The state machine's last step: the run succeeded, so each resource's cursor moves to where it got. */
async function handle(event: CommitEvent): Promise<{ committed: CommittedCursor[] }> {
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

/** The Lambda entry: the step, with the invocation's context in its logs and a cold-start metric. */
export const handler = poweredHandler(handle);
