import { QualityGateError } from '../shared/errors';
import type { QualityVerdict } from './run-checks';
import type { QualitySummary } from '../shared/step-messages';

/** What the state machine carries to the notice: the verdict and the checks that did not pass. */
const describe = (result: QualityVerdict['results'][number]) =>
  `${result.table}: ${result.check} = ${result.metric ?? '—'} (expected ${result.threshold})${result.failingKeys ? ` [${result.failingKeys}]` : ''}`;

/**
 * The gate: a `fail` verdict fails the run (its message, in the failure notice, lists the failed
 * checks); `warn` and `pass` let it go on, the warnings reported in the run notice.
 */
export function qualityGate(outcome: QualityVerdict): QualitySummary {
  const summary = qualitySummary(outcome);
  const { failed } = summary;
  if (outcome.verdict === 'fail') {
    throw new QualityGateError(
      `${failed.length} data-quality check(s) failed: ${failed.join('; ')}`.slice(0, 3500),
      {},
      'the batch is in RAW but was not published (CLEAN and ANALYTICS are as they were): look at ANALYTICS.DQ_CHECK_RESULTS for this batch, fix the source or the check, and re-run the day',
    );
  }
  return summary;
}

/** The verdict and the checks that did not pass, as the notice and the run's record read them. */
export function qualitySummary(outcome: QualityVerdict): QualitySummary {
  const failed = outcome.results.filter((result) => result.status === 'fail').map(describe);
  const warned = outcome.results.filter((result) => result.status === 'warn').map(describe);
  return { verdict: outcome.verdict, checks: outcome.results.length, failed, warned };
}
