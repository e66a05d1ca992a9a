import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const repositoryRoot = join(__dirname, '..', '..');

/** The platform every function runs on (nodejs22.x, ARM64, Amazon Linux: glibc). */
const LAMBDA_PLATFORM = { os: 'linux', cpu: 'arm64', libc: 'glibc' } as const;

/** Where `npm ci` leaves the Lambda platform's packages (bin/fetch-lambda-native.ts): gone with node_modules. */
export const NATIVE_CACHE = join(repositoryRoot, 'node_modules', '.cache', 'lambda-native');

interface LockedPackage {
  version: string;
  integrity?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  os?: string[];
  cpu?: string[];
  libc?: string[];
}

/** What a function with native modules carries in its node_modules, all pinned by package-lock.json. */
export interface NativeModulePlan {
  /** Packages the same on every platform (JavaScript): copied from this checkout's node_modules. */
  copied: string[];
  /** The Lambda platform's binaries: a tarball each, its integrity the lockfile's. */
  fetched: Array<{ name: string; version: string; integrity: string; tarball: string }>;
}

function lockedPackages(): Record<string, LockedPackage> {
  return (
    JSON.parse(readFileSync(join(repositoryRoot, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, LockedPackage>;
    }
  ).packages;
}

const forLambda = (locked: LockedPackage) =>
  (!locked.os || locked.os.includes(LAMBDA_PLATFORM.os)) &&
  (!locked.cpu || locked.cpu.includes(LAMBDA_PLATFORM.cpu)) &&
  (!locked.libc || locked.libc.includes(LAMBDA_PLATFORM.libc));

/**
 * The packages `modules` need at run time in Lambda: their dependencies, and of their optional
 * (platform) dependencies the one for linux/arm64/glibc, at the versions and integrity the lockfile
 * pins. Nothing is looked up on the registry.
 */
export function nativeModulePlan(modules: readonly string[], cache = NATIVE_CACHE): NativeModulePlan {
  const packages = lockedPackages();
  const plan: NativeModulePlan = { copied: [], fetched: [] };
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    const locked = packages[`node_modules/${name}`];
    if (!locked)
      throw new Error(`${name} is not in package-lock.json: add it to package.json and run npm install`);
    if (locked.os || locked.cpu) {
      plan.fetched.push({
        name,
        version: locked.version,
        integrity: locked.integrity ?? '',
        tarball: join(cache, `${name.replace(/^@/, '').replace('/', '-')}-${locked.version}.tgz`),
      });
      return;
    }
    plan.copied.push(name);
    for (const dependency of Object.keys(locked.dependencies ?? {})) visit(dependency);
    for (const optional of Object.keys(locked.optionalDependencies ?? {})) {
      const candidate = packages[`node_modules/${optional}`];
      if (candidate && forLambda(candidate)) visit(optional);
    }
  };
  for (const name of modules) visit(name);
  return plan;
}

/** The integrity npm writes in the lockfile (`sha512-<base64>`) of a file's bytes. */
export function integrityOf(file: string): string {
  return `sha512-${createHash('sha512').update(readFileSync(file)).digest('base64')}`;
}

/**
 * The shell commands that put `modules` into a bundle's node_modules, offline: the JavaScript packages
 * copied, each platform package unpacked from its fetched tarball (checked against the lockfile first).
 */
export function installCommands(output: string, modules: readonly string[], cache = NATIVE_CACHE): string[] {
  const plan = nativeModulePlan(modules, cache);
  for (const fetched of plan.fetched) {
    if (!existsSync(fetched.tarball) || integrityOf(fetched.tarball) !== fetched.integrity)
      throw new Error(
        `${fetched.name}@${fetched.version} (the Lambda platform's binary) is not in ${cache} with the lockfile's integrity: run npm ci (or npx tsx bin/fetch-lambda-native.ts) once while the npm registry is reachable; synth then needs no network`,
      );
  }
  const target = (name: string) => join(output, 'node_modules', name);
  return [
    ...plan.copied.flatMap((name) => [
      `mkdir -p '${target(name)}'`,
      `cp -r '${join(repositoryRoot, 'node_modules', name)}/.' '${target(name)}'`,
    ]),
    ...plan.fetched.flatMap((fetched) => [
      `mkdir -p '${target(fetched.name)}'`,
      `tar -xzf '${fetched.tarball}' -C '${target(fetched.name)}' --strip-components=1`,
    ]),
  ];
}

/** Every package a Lambda bundle installs natively (validate's DuckDB): what bin/fetch-lambda-native.ts fetches. */
export const LAMBDA_NATIVE_MODULES = ['@duckdb/node-api'] as const;
