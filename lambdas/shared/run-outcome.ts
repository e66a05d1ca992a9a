import type { QualitySummary, RunCounts } from './step-messages';

/** How a run ended, as operators read it: all good, good but with rejects to look at, or failed. */
export type RunOutcome = 'SUCCEEDED' | 'PARTIAL' | 'FAILED';

/** The error Step Functions caught (`Cause` is often a JSON string from Lambda). */
export interface CaughtError {
  Error?: string;
  Cause?: string;
}

/**
 * The one rule for a run's outcome, for its notice and its PIPELINE_RUNS row alike: FAILED when it
 * failed, PARTIAL when records were rejected, pages quarantined or a check or resource warned.
 */
export function runOutcome(run: {
  failed: boolean;
  counts?: RunCounts;
  quality?: QualitySummary;
}): RunOutcome {
  if (run.failed || !run.counts) return 'FAILED';
  const { totals, resources } = run.counts;
  const warned =
    resources.some((resource) => (resource.warnings ?? []).length > 0) ||
    (run.quality?.warned.length ?? 0) > 0;
  return totals.rejected > 0 || totals.quarantinedPages > 0 || warned ? 'PARTIAL' : 'SUCCEEDED';
}

/** Lambda puts the thrown error in `Cause` as JSON; its message says what to do next. */
export function describeCause(cause: string | undefined): string {
  if (!cause) return 'no cause given';
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: string; errorType?: string };
    if (parsed.errorMessage) return parsed.errorMessage;
  } catch {
    // not JSON: a Step Functions cause is plain text
  }
  return cause;
}

/** `TransportError: the API answered 503 …`: a caught error as one line. */
export function describeError(error: CaughtError | undefined): string {
  return `${error?.Error ?? 'Error'}: ${describeCause(error?.Cause)}`;
}
