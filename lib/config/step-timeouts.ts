/**
 * Each step's Lambda timeout, in seconds, from measured durations with margin
 * (`npx tsx bench/step-durations.bench.ts`, docs/benchmarks.md "Step durations"):
 *
 * - The bookkeeping steps took at most 139 ms in a whole local run (run lease 139, commit state 29,
 *   reconcile 12, plan 11, notify 1). In AWS each is a cold start (≤ 0.7 s measured) and a few S3 or
 *   SNS calls, each retried by the SDK; 60 s is two orders of magnitude above, and a hung one fails in
 *   a minute instead of fifteen.
 * - Extract, validate and quality do the run's work, which grows with the data: extract returns a
 *   continuation well before its limit, validate handles up to 2 GiB a page group (its benchmark), and
 *   quality's Snowflake statements may take 600 s each. They keep Lambda's 15 minutes.
 */
export const STEP_TIMEOUT_SECONDS = {
  plan: 60,
  'run-lease': 60,
  reconcile: 60,
  notify: 60,
  'commit-state': 60,
  extract: 900,
  validate: 900,
  quality: 900,
} as const;

export type PipelineStep = keyof typeof STEP_TIMEOUT_SECONDS;

/**
 * A step this long does its own retrying within (pages, statements) and would only repeat the same
 * slow work: a timeout of it is not retried (it fails the run and alerts) instead of holding a run an
 * hour more.
 */
export const LONG_STEP_SECONDS = 300;
