import { parseSourceConfig, SourceConfig, SourceConfigInput } from './source-config';
import { eventsApikey, eventsOauth } from './events';
import { fakestore } from './fakestore';
import { gfn } from './gfn';

/** Every source the pipeline ships. A new API is a new module here (see docs/sources.md). */
export const builtInSources: readonly SourceConfigInput[] = [gfn, fakestore, eventsOauth, eventsApikey];

/** `PIPELINE_BASE_URL_GFN=http://127.0.0.1:8080/gfn/v1` points a source elsewhere (fixture API, proxy). */
export function baseUrlOverrideVariable(sourceName: string): string {
  return `PIPELINE_BASE_URL_${sourceName.toUpperCase()}`;
}

/** Validates every source once, at start-up, applying base-URL overrides from the environment. */
export function loadSources(
  env: NodeJS.ProcessEnv = process.env,
  definitions: readonly SourceConfigInput[] = builtInSources,
): Map<string, SourceConfig> {
  const sources = new Map<string, SourceConfig>();
  for (const definition of definitions) {
    const override = env[baseUrlOverrideVariable(definition.name)];
    const source = parseSourceConfig(
      override ? { ...definition, baseUrl: override } : definition,
      `"${definition.name}"`,
    );
    sources.set(source.name, source);
  }
  return sources;
}
