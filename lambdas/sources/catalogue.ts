import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { parse } from 'yaml';
import { ConfigError } from '../shared/errors';

/**
 * One API, as one folder: `source.yml` (how to call it), `contracts/<resource>.json` (what its
 * records are, primary key included) and `checks/<source>__<table>.yml` (what CLEAN must hold). Found
 * by looking, never by a list: a new folder is a new source.
 */
export interface SourceFolder {
  name: string;
  directory: string;
  /** source.yml as written (validated by the source config schema when loaded). */
  config: Record<string, unknown>;
  /** Each resource's contract, by resource name, as JSON Schema. */
  contracts: Map<string, unknown>;
  /** Where its quality checks are, when it has any. */
  checksDirectory?: string;
}

/**
 * Where source folders are: `sources/` beside the handler in a Lambda bundle, else the repository's,
 * then every folder of `PIPELINE_SOURCES_PATH` (a path list, as PATH), for sources kept elsewhere.
 */
export function sourceDirectories(env: NodeJS.ProcessEnv = process.env): string[] {
  const bundled = join(__dirname, 'sources');
  const shipped = existsSync(bundled) ? bundled : join(__dirname, '..', '..', 'sources');
  const extra = (env.PIPELINE_SOURCES_PATH ?? '').split(delimiter).filter(Boolean);
  return [shipped, ...extra];
}

const read = new Map<string, SourceFolder[]>();

/** Every source folder, read once per process (per list of directories). */
export function sourceFolders(env: NodeJS.ProcessEnv = process.env): SourceFolder[] {
  const directories = sourceDirectories(env);
  const key = directories.join(delimiter);
  let folders = read.get(key);
  if (!folders) {
    folders = directories.flatMap(readDirectory);
    const seen = new Set<string>();
    for (const folder of folders) {
      if (seen.has(folder.name))
        throw new ConfigError(
          `two source folders are named "${folder.name}" (${folder.directory})`,
          { source: folder.name },
          'rename one of them: a source name is unique',
        );
      seen.add(folder.name);
    }
    read.set(key, folders);
  }
  return folders;
}

function readDirectory(directory: string): SourceFolder[] {
  if (!existsSync(directory))
    throw new ConfigError(
      `the source directory ${directory} does not exist`,
      {},
      'fix PIPELINE_SOURCES_PATH, or create the folder',
    );
  return readdirSync(directory, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(directory, entry.name, 'source.yml')))
    .map((entry) => entry.name)
    .sort()
    .map((name) => readFolder(join(directory, name), name));
}

function readFolder(directory: string, name: string): SourceFolder {
  const file = join(directory, 'source.yml');
  const config = readParsed(file, 'YAML', parse, name);
  if (config === null || typeof config !== 'object' || Array.isArray(config))
    throw new ConfigError(`${file} holds no source settings`, { source: name }, 'see docs/sources.md');
  if ((config as { name?: unknown }).name !== name)
    throw new ConfigError(
      `${file} names the source "${String((config as { name?: unknown }).name)}", its folder "${name}"`,
      { source: name },
      'give the folder the name of the source',
    );
  const contractsDirectory = join(directory, 'contracts');
  const contracts = new Map<string, unknown>();
  if (existsSync(contractsDirectory))
    for (const contractFile of readdirSync(contractsDirectory)
      .filter((entry) => entry.endsWith('.json'))
      .sort()) {
      const path = join(contractsDirectory, contractFile);
      contracts.set(contractFile.replace(/\.json$/, ''), readParsed(path, 'JSON', JSON.parse, name));
    }
  const checksDirectory = join(directory, 'checks');
  return {
    name,
    directory,
    config: config as Record<string, unknown>,
    contracts,
    ...(existsSync(checksDirectory) ? { checksDirectory } : {}),
  };
}

/** A file of a source folder, parsed, or a ConfigError naming the file and what is wrong with it. */
function readParsed(path: string, kind: string, parse: (text: string) => unknown, source: string): unknown {
  try {
    return parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(`${path} is not ${kind}: ${(error as Error).message}`, { source }, 'fix the file', {
      cause: error,
    });
  }
}
