import { ConfigError } from '../shared/errors';
import type { SourceConfig } from '../sources/source-config';
import type { PlannedResource, RunPlan, RunRequest } from '../shared/step-messages';
import { canBackfill } from '../sources/incremental';
import { logicalDateOf } from '../shared/logical-date';

/**
 * The resources one run extracts: every enabled resource of the environment's sources, or of the ones
 * the operator named (which must be among them).
 */
export function planRun(
  request: RunRequest,
  batchId: string,
  enabledSources: readonly SourceConfig[],
  now: Date,
): RunPlan {
  const names = enabledSources.map((source) => source.name);
  const unknown = (request.sources ?? []).filter((name) => !names.includes(name));
  if (unknown.length) {
    throw new ConfigError(
      `source ${unknown.join(', ')} is not enabled in this environment`,
      {},
      `choose among ${names.join(', ')}, or enable the source in the environment's configuration (lib/config)`,
    );
  }
  const chosen = request.sources?.length
    ? enabledSources.filter((source) => request.sources!.includes(source.name))
    : enabledSources;
  const named = request.resources ?? [];
  const resources = chosen.flatMap((source) =>
    source.resources
      .filter((resource) => (named.length ? named.includes(resource.name) : resource.enabled))
      .map((resource) => ({ source: source.name, resource: resource.name })),
  );
  const missing = named.filter((name) => !resources.some((planned) => planned.resource === name));
  if (missing.length) {
    const offered = chosen.flatMap((source) =>
      source.resources.map((resource) => `${source.name}/${resource.name}`),
    );
    throw new ConfigError(
      `resource ${missing.join(', ')} is not a resource of ${chosen.map((source) => source.name).join(', ')}`,
      {},
      `choose among ${offered.join(', ')}`,
    );
  }
  const logicalDate = logicalDateOf(request, now);
  if (!request.backfill) return { batchId, logicalDate, resources, backfill: false };
  return { batchId, logicalDate, resources: backfillable(resources, enabledSources), backfill: true };
}

/**
 * A backfill's resources: those that can fetch a past day on their own; none is an error that lists the
 * environment's resources that can.
 */
function backfillable(resources: PlannedResource[], sources: readonly SourceConfig[]): PlannedResource[] {
  const configOf = (planned: PlannedResource) =>
    sources
      .find((source) => source.name === planned.source)!
      .resources.find((r) => r.name === planned.resource)!;
  const able = resources.filter((planned) => canBackfill(configOf(planned)));
  if (!able.length) {
    const offered = sources.flatMap((source) =>
      source.resources.filter(canBackfill).map((resource) => `${source.name}/${resource.name}`),
    );
    throw new ConfigError(
      `none of ${resources.map((planned) => `${planned.source}/${planned.resource}`).join(', ') || 'the chosen resources'} can fetch a past day`,
      {},
      offered.length
        ? `backfill one of ${offered.join(', ')} (docs/sources.md, "Backfill")`
        : 'no source of this environment has a resource with incremental.param and incremental.endParam (docs/sources.md, "Backfill")',
    );
  }
  return able;
}
