import { ConfigError } from '../shared/errors';
import { SourceFolder, sourceFolders } from './catalogue';
import { parseSourceConfig, SourceConfig, SourceConfigInput } from './source-config';
import { settingsFromEnvironment, withSettings } from './source-settings';

/** `PIPELINE_BASE_URL_GFN=http://127.0.0.1:8080/gfn/v1` points a source elsewhere (fixture API, proxy). */
export function baseUrlOverrideVariable(sourceName: string): string {
  return `PIPELINE_BASE_URL_${sourceName.toUpperCase()}`;
}

/**
 * A source folder's settings, each resource with the primary key its contract declares: the key is
 * declared once, where the records are described, and extract (which writes it in the manifest) and
 * validate read the same one.
 */
export function sourceDefinition(folder: SourceFolder): SourceConfigInput {
  const resources = (folder.config.resources ?? []) as Array<Record<string, unknown>>;
  return {
    ...folder.config,
    resources: resources.map((resource) => {
      const file = `${folder.directory}/contracts/${String(resource.name)}.json`;
      if (Object.hasOwn(resource, 'primaryKey'))
        throw new ConfigError(
          `${folder.directory}/source.yml gives resource ${String(resource.name)} a primaryKey`,
          { source: folder.name, resource: String(resource.name) },
          `declare it once, in ${file} ("x-pipeline": { "primaryKey": [...] })`,
        );
      const contract = folder.contracts.get(String(resource.name)) as
        { 'x-pipeline'?: { primaryKey?: unknown } } | undefined;
      if (!contract)
        throw new ConfigError(
          `source ${folder.name} has no contract for its resource ${String(resource.name)}`,
          { source: folder.name, resource: String(resource.name) },
          `add ${file} (docs/contracts.md)`,
        );
      return { ...resource, primaryKey: contract['x-pipeline']?.primaryKey };
    }),
  } as SourceConfigInput;
}

/** Every source of the catalogue (the folders under sources/ and PIPELINE_SOURCES_PATH), unvalidated. */
export function catalogueSources(env: NodeJS.ProcessEnv = process.env): SourceConfigInput[] {
  return sourceFolders(env).map(sourceDefinition);
}

/**
 * Validates every source once, at start-up, with the environment's settings applied
 * (`PIPELINE_SOURCE_SETTINGS`, from lib/config/environments.ts); a `PIPELINE_BASE_URL_<NAME>`
 * variable points a source elsewhere over both (local mode's fixture API, a proxy).
 */
export function loadSources(
  env: NodeJS.ProcessEnv = process.env,
  definitions: readonly SourceConfigInput[] = catalogueSources(env),
): Map<string, SourceConfig> {
  const settings = settingsFromEnvironment(env);
  const sources = new Map<string, SourceConfig>();
  for (const definition of definitions) {
    const configured = withSettings(definition, settings[definition.name]);
    const override = env[baseUrlOverrideVariable(definition.name)];
    const source = parseSourceConfig(
      override ? { ...configured, baseUrl: override } : configured,
      `"${definition.name}"`,
    );
    sources.set(source.name, source);
  }
  return sources;
}
