import { Metrics } from '@aws-lambda-powertools/metrics';

/** Namespace of the pipeline's own metrics; the dashboard (lib/) reads them from here. */
export const METRICS_NAMESPACE = 'ApiSnowflakePipeline';

/** The one Powertools metrics instance (CloudWatch embedded metric format: no API call, no permission). */
export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? METRICS_NAMESPACE,
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'api-snowflake-pipeline',
});
