import { Logger } from '@aws-lambda-powertools/logger';

/**
 * The one structured JSON logger of every handler. Handlers append batch id, source, resource and step;
 * secrets never reach it (URLs are redacted before they are logged).
 */
export const logger = new Logger({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'api-snowflake-pipeline',
});

export type PipelineLogger = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;
