import type { QualitySummary, ReconcileResult } from '../shared/step-messages';
import { CaughtError, describeError, RunOutcome, runOutcome } from '../shared/run-outcome';

export type { RunOutcome };

export interface RunNoticeInput {
  status: 'succeeded' | 'failed';
  executionArn: string;
  /** ISO time the execution started. */
  startedAt: string;
  batchId?: string;
  logicalDate?: string;
  /** Reconcile's counts, on success. */
  summary?: ReconcileResult;
  /** The quality step's answer: checks that warned are listed in the notice. */
  quality?: QualitySummary;
  /** The error Step Functions caught, on failure (`Cause` is often a JSON string from Lambda). */
  error?: CaughtError;
  /** The state that failed, on failure. */
  failedStep?: string;
  /** With a warehouse: the record step's answer, or the error it failed with. */
  recorded?: { recorded?: string } & CaughtError;
}

export interface RunNotice {
  outcome: RunOutcome;
  subject: string;
  message: string;
  /** SNS message attributes, so subscribers can filter (e.g. page only on FAILED). */
  attributes: Record<string, string>;
}

/** The execution's page in the Step Functions console. */
export function consoleLink(executionArn: string): string {
  const region = executionArn.split(':')[3] || 'us-east-1';
  return `https://${region}.console.aws.amazon.com/states/home?region=${region}#/v2/executions/details/${executionArn}`;
}

function describeDuration(milliseconds: number): string {
  const seconds = Math.max(0, Math.round(milliseconds / 1000));
  return seconds < 60 ? `${seconds} s` : `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

/** A line for a run whose PIPELINE_RUNS row could not be written (none when it was, or there is no warehouse). */
function recordProblem(recorded: RunNoticeInput['recorded']): string[] {
  if (!recorded?.Error) return [];
  return [`Not recorded in ANALYTICS.PIPELINE_RUNS: ${describeError(recorded)}`, ''];
}

/** SNS subjects: at most 100 ASCII characters, no line breaks. */
const subjectOf = (text: string) => text.replace(/[^\x20-\x7e]/g, '-').slice(0, 100);

/** One message per run: the outcome, the counts per resource, where rejects are, how long, a console link. */
export function buildRunNotice(input: RunNoticeInput, now: Date): RunNotice {
  const duration = describeDuration(now.getTime() - Date.parse(input.startedAt));
  const batchId = input.summary?.batchId ?? input.batchId ?? input.executionArn.split(':').at(-1) ?? '';
  const logicalDate = input.summary?.logicalDate ?? input.logicalDate ?? '';
  const link = consoleLink(input.executionArn);

  if (input.status === 'failed' || !input.summary) {
    const reason = `${input.failedStep ? `${input.failedStep} failed. ` : ''}${describeError(input.error)}`;
    return {
      outcome: 'FAILED',
      subject: subjectOf(`Pipeline FAILED${logicalDate ? ` ${logicalDate}` : ''} (batch ${batchId})`),
      message: [
        `The pipeline run ${batchId}${logicalDate ? ` for ${logicalDate}` : ''} FAILED after ${duration}.`,
        '',
        reason,
        '',
        ...recordProblem(input.recorded),
        'Incremental state was not advanced: re-running the day is safe (docs/runbook.md).',
        `Execution: ${link}`,
      ].join('\n'),
      attributes: { outcome: 'FAILED', batchId },
    };
  }

  const { totals, resources } = input.summary;
  const warned = [
    ...resources.flatMap((resource) => resource.warnings ?? []),
    ...(input.quality?.warned ?? []),
  ];
  const outcome = runOutcome({ failed: false, counts: input.summary, quality: input.quality });
  const lines = resources.map((resource) => {
    const rejects =
      resource.rejected || resource.quarantinedPages
        ? `, ${resource.rejected} rejected${resource.quarantinedPages ? `, ${resource.quarantinedPages} pages quarantined` : ''} → ${resource.rejectKeys.join(', ')}`
        : '';
    return `  ${resource.source}/${resource.resource}: ${resource.extracted} extracted, ${resource.valid} valid${rejects}`;
  });
  return {
    outcome,
    subject: subjectOf(
      `Pipeline ${outcome} ${logicalDate}: ${totals.valid} valid, ${totals.rejected} rejected`,
    ),
    message: [
      `The pipeline run ${batchId} for ${logicalDate} ${outcome === 'SUCCEEDED' ? 'succeeded' : 'succeeded with rejects or warnings'} in ${duration}.`,
      `${totals.extracted} records extracted, ${totals.valid} valid, ${totals.rejected} rejected.`,
      '',
      ...lines,
      '',
      ...(totals.rejected > 0 || totals.quarantinedPages > 0
        ? ['Rejected records are in the failed bucket with their reasons (docs/contracts.md).', '']
        : []),
      ...(input.quality && input.quality.verdict !== 'skipped'
        ? [`Data quality: ${input.quality.checks} checks.`]
        : []),
      ...(warned.length
        ? [`Warnings (${warned.length}):`, ...warned.map((line) => `  warn ${line}`), '']
        : []),
      ...recordProblem(input.recorded),
      `Execution: ${link}`,
    ].join('\n'),
    attributes: { outcome, batchId },
  };
}
