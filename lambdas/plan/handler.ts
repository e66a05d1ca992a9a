import { ConfigError } from '../shared/errors';
import { poweredHandler } from '../shared/powered-handler';
import { logger } from '../shared/logger';
import { describeIssues } from '../shared/zod-issues';
import { loadSources } from '../sources';
import { planRun } from './plan-run';
import { PlanEvent, planEventSchema, RunPlan } from '../shared/step-messages';

/** `PIPELINE_SOURCES=gfn,fakestore`: the sources this environment runs (set by the CDK app). */
export function enabledSourceNames(env: NodeJS.ProcessEnv = process.env): string[] {
  const names = (env.PIPELINE_SOURCES ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  if (!names.length)
    throw new ConfigError('PIPELINE_SOURCES is not set', {}, 'set PIPELINE_SOURCES, e.g. "gfn,fakestore"');
  return names;
}

async function handle(event: PlanEvent): Promise<RunPlan> {
  const parsed = planEventSchema.safeParse(event);
  if (!parsed.success) {
    throw new ConfigError(
      `the run input is invalid: ${describeIssues(parsed.error).join('; ')}`,
      {},
      'start the run with {} or { "logicalDate": "YYYY-MM-DD", "sources": ["gfn"] }',
    );
  }
  const known = loadSources();
  const enabled = enabledSourceNames().map((name) => {
    const source = known.get(name);
    if (!source)
      throw new ConfigError(
        `PIPELINE_SOURCES names unknown source "${name}"`,
        {},
        `use one of the sources of sources/: ${[...known.keys()].join(', ')}`,
      );
    return source;
  });
  const plan = planRun(parsed.data.input ?? {}, parsed.data.batchId, enabled, new Date());
  logger.info('run planned', {
    batchId: plan.batchId,
    logicalDate: plan.logicalDate,
    resources: plan.resources.length,
  });
  return plan;
}

/** The Lambda entry: the step, with the invocation's context in its logs and a cold-start metric. */
export const handler = poweredHandler(handle);
