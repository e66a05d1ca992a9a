import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { poweredHandler } from '../shared/powered-handler';
import { logger } from '../shared/logger';
import { metrics } from '../shared/metrics';
import { parseStepEvent } from '../shared/step-event';
import { ReconcileEvent, reconcileEventSchema, ReconcileResult, RunCounts } from '../shared/step-messages';
import { reconcile } from './reconcile';

/** Per source: records extracted, valid and rejected, as the dashboard graphs them. */
function publishCounts(counts: RunCounts): void {
  const bySource = new Map<string, { extracted: number; valid: number; rejected: number }>();
  for (const resource of counts.resources) {
    const sum = bySource.get(resource.source) ?? { extracted: 0, valid: 0, rejected: 0 };
    sum.extracted += resource.extracted;
    sum.valid += resource.valid;
    sum.rejected += resource.rejected;
    bySource.set(resource.source, sum);
  }
  // A single metric is written at once, with its own dimensions: one per source and count.
  const publish = (source: string, name: string, value: number) => {
    const metric = metrics.singleMetric();
    metric.addDimension('source', source);
    metric.addMetric(name, MetricUnit.Count, value);
  };
  for (const [source, sum] of bySource) {
    publish(source, 'RecordsExtracted', sum.extracted);
    publish(source, 'RecordsValid', sum.valid);
    publish(source, 'RecordsRejected', sum.rejected);
  }
}

async function handle(event: ReconcileEvent): Promise<ReconcileResult> {
  const input = parseStepEvent(
    reconcileEventSchema,
    event,
    'reconcile',
    '{ batchId, logicalDate, extracted: [...], validated: [[...]] } as the state machine builds it',
  );
  logger.appendKeys({ step: 'reconcile', batchId: input.batchId });
  try {
    const counts = reconcile(input.extracted, input.validated);
    publishCounts(counts);
    logger.info('run reconciled', { totals: counts.totals });
    return { batchId: input.batchId, logicalDate: input.logicalDate, ...counts };
  } catch (error) {
    logger.error('reconcile failed', error as Error);
    throw error;
  } finally {
    logger.removeKeys(['step', 'batchId']);
  }
}

/** The Lambda entry: the step, with the invocation's context in its logs and a cold-start metric. */
export const handler = poweredHandler(handle);
