import { Logger } from '@aws-lambda-powertools/logger';
import { redactLogValue } from './redact';

/**
 * The one structured JSON logger of every handler. Handlers append batch id, source, resource and step;
 * secrets never reach it: URLs are redacted before they are logged, and every line is serialized
 * through `redactLogValue` besides (any URL, headers, credential-named attributes).
 */
export const logger = new Logger({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'api-snowflake-pipeline',
  jsonReplacerFn: redactLogValue,
});

export type PipelineLogger = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;
