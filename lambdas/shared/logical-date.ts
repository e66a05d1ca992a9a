import { ConfigError } from './errors';
import type { RunRequest } from './step-messages';

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The day a run is about. From the schedule's time, not the clock: a run retried hours late, or started
 * again tomorrow for today, still processes the day it was scheduled for.
 */
export function logicalDateOf(request: RunRequest, now: Date): string {
  if (request.logicalDate !== undefined) {
    if (!DATE.test(request.logicalDate) || Number.isNaN(Date.parse(request.logicalDate))) {
      throw new ConfigError(
        `logicalDate "${request.logicalDate}" is not a date`,
        {},
        'pass logicalDate as YYYY-MM-DD, e.g. "2026-11-01"',
      );
    }
    return request.logicalDate;
  }
  if (request.scheduledTime !== undefined) {
    const scheduled = Date.parse(request.scheduledTime);
    if (Number.isNaN(scheduled)) {
      throw new ConfigError(
        `scheduledTime "${request.scheduledTime}" is not a time`,
        {},
        'pass the schedule time as ISO 8601 (the schedule does this itself), or pass logicalDate instead',
      );
    }
    return new Date(scheduled).toISOString().slice(0, 10);
  }
  return now.toISOString().slice(0, 10);
}
