import { z } from 'zod';
import { ConfigError } from '../shared/errors';
import { logger } from '../shared/logger';
import { describeIssues } from '../shared/zod-issues';
import { loadSources } from '../sources';
import { planRun, RunPlan } from './plan-run';

/** The state machine passes the execution's input as it came, and its name as the batch id. */
const planEventSchema = z.object({
  batchId: z.string().regex(/^[A-Za-z0-9_.:-]{1,80}$/, 'letters, digits and _ . : - only, at most 80'),
  input: z
    .object({
      scheduledTime: z.string().optional(),
      logicalDate: z.string().optional(),
      sources: z.array(z.string().min(1)).optional(),
      resources: z.array(z.string().min(1)).optional(),
    })
    .loose()
    .nullish(),
});

export type PlanEvent = z.input<typeof planEventSchema>;

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

export async function handler(event: PlanEvent): Promise<RunPlan> {
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
        `use built-in sources: ${[...known.keys()].join(', ')}`,
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
