import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { poweredHandler } from '../shared/powered-handler';
import { traced } from '../shared/tracer';
import * as z from 'zod';
import { requiredEnv } from '../shared/required-env';
import { logger } from '../shared/logger';
import { parseStepEvent } from '../shared/step-event';
import { qualitySummarySchema, reconcileResultSchema } from '../shared/step-messages';
import { buildRunNotice, RunOutcome } from './run-notice';

const notifyEventSchema = z
  .object({
    status: z.enum(['succeeded', 'failed']),
    executionArn: z.string().min(1),
    startedAt: z.string().min(1),
    batchId: z.string().optional(),
    logicalDate: z.string().optional(),
    summary: reconcileResultSchema.optional(),
    quality: qualitySummarySchema.optional(),
    error: z.object({ Error: z.string().optional(), Cause: z.string().optional() }).loose().optional(),
    failedStep: z.string().optional(),
    recorded: z
      .object({ recorded: z.string().optional(), Error: z.string().optional(), Cause: z.string().optional() })
      .loose()
      .optional(),
  })
  .loose();

export type NotifyEvent = z.input<typeof notifyEventSchema>;

// Created once per container, as every client of the handlers.
let sns: SNSClient | undefined;

async function handle(event: NotifyEvent): Promise<{ outcome: RunOutcome; messageId?: string }> {
  const input = parseStepEvent(
    notifyEventSchema,
    event,
    'notify',
    '{ status, executionArn, startedAt } with summary (success) or error (failure)',
  );
  const topicArn = requiredEnv('ALERTS_TOPIC_ARN');
  const notice = buildRunNotice(input, new Date());
  sns ??= traced(new SNSClient({}));
  const sent = await sns.send(
    new PublishCommand({
      TopicArn: topicArn,
      Subject: notice.subject,
      Message: notice.message,
      MessageAttributes: Object.fromEntries(
        Object.entries(notice.attributes).map(([name, value]) => [
          name,
          { DataType: 'String', StringValue: value },
        ]),
      ),
    }),
  );
  logger.info('run notice sent', { outcome: notice.outcome, subject: notice.subject });
  return { outcome: notice.outcome, messageId: sent.MessageId };
}

/** The Lambda entry: the step, with the invocation's context in its logs and a cold-start metric. */
export const handler = poweredHandler(handle);
