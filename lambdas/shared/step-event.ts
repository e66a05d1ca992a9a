import * as z from 'zod';
import { ConfigError } from './errors';
import { logger } from './logger';
import { describeIssues } from './zod-issues';

/** Parses a step's event, or fails naming every bad field and what the step expects. */
export function parseStepEvent<T extends z.ZodType>(
  schema: T,
  event: unknown,
  step: string,
  expected: string,
): z.output<T> {
  const parsed = schema.safeParse(event);
  if (parsed.success) return parsed.data;
  const problems = describeIssues(parsed.error).join('; ');
  throw new ConfigError(`${step} event is invalid: ${problems}`, {}, `pass ${expected}`);
}

/** Runs a step with batch id, source, resource and step on every log line, and logs its failure once. */
export async function withStepLogging<T>(
  step: string,
  keys: { batchId: string; source: string; resource: string },
  run: () => Promise<T>,
): Promise<T> {
  logger.appendKeys({ step, batchId: keys.batchId, source: keys.source, resource: keys.resource });
  try {
    return await run();
  } catch (error) {
    logger.error(`${step} failed`, error as Error);
    throw error;
  } finally {
    logger.removeKeys(['step', 'batchId', 'source', 'resource']);
  }
}
