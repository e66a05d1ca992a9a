import type { Context } from 'aws-lambda';
import { logger } from './logger';
import { metrics } from './metrics';

/**
 * A step's Lambda entry with Powertools' per-invocation work: the invocation's context on every log
 * line (request id, function name, cold start: what `injectLambdaContext` adds), and a `ColdStart`
 * metric on a container's first invocation. Locally and in tests there is no context, and metrics are
 * off: the step runs as it is.
 */
export function poweredHandler<Event, Result, StepContext extends Partial<Context> = Context>(
  step: (event: Event, context?: StepContext) => Promise<Result>,
): (event: Event, context?: StepContext) => Promise<Result> {
  return async (event, context) => {
    // Lambda's context has a request id; a test's stand-in (a clock of remaining time) has not.
    if (context?.awsRequestId) {
      logger.addContext(context as Context);
      metrics.captureColdStartMetric(context.functionName);
    }
    return step(event, context);
  };
}
