import type { Context } from 'aws-lambda';
import { logger } from './logger';
import { metrics } from './metrics';
import { tracer } from './tracer';

/**
 * A step's Lambda entry with Powertools' per-invocation work: the invocation's context on every log
 * line (request id, function name, cold start: what `injectLambdaContext` adds), a `ColdStart` metric
 * on a container's first invocation, and the invocation's X-Ray subsegment `## <handler>`, annotated
 * with cold start and service, holding the AWS SDK calls (shared/tracer.ts) and any error. Locally and
 * in tests there is no context, metrics are off and Tracer is off: the step runs as it is.
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
    if (!tracer.isTracingEnabled()) return step(event, context);
    const invocation = tracer.getSegment();
    const subsegment = invocation?.addNewSubsegment(`## ${process.env._HANDLER ?? 'handler'}`);
    if (subsegment) tracer.setSegment(subsegment);
    tracer.annotateColdStart();
    tracer.addServiceNameAnnotation();
    try {
      return await step(event, context);
    } catch (error) {
      tracer.addErrorAsMetadata(error as Error);
      throw error;
    } finally {
      subsegment?.close();
      if (invocation) tracer.setSegment(invocation);
    }
  };
}
