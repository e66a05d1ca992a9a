#!/usr/bin/env node
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  integrityOf,
  LAMBDA_NATIVE_MODULES,
  NATIVE_CACHE,
  nativeModulePlan,
} from '../lib/constructs/lambda-native-modules';

/**
 * `postinstall`: fetches, once, the Lambda platform's binaries of the native modules (DuckDB's
 * linux-arm64 binding) at the version and integrity package-lock.json pins, into node_modules/.cache,
 * so that `cdk synth` bundles them without the network. A tarball whose integrity differs is refused.
 */
function main(): void {
  mkdirSync(NATIVE_CACHE, { recursive: true });
  for (const fetched of nativeModulePlan(LAMBDA_NATIVE_MODULES).fetched) {
    if (existsSync(fetched.tarball) && integrityOf(fetched.tarball) === fetched.integrity) continue;
    const name = execFileSync(
      'npm',
      ['pack', `${fetched.name}@${fetched.version}`, '--pack-destination', NATIVE_CACHE, '--silent'],
      { encoding: 'utf8' },
    ).trim();
    const packed = join(NATIVE_CACHE, name.split('\n').at(-1)!);
    if (packed !== fetched.tarball) renameSync(packed, fetched.tarball);
    const integrity = integrityOf(fetched.tarball);
    if (integrity !== fetched.integrity) {
      rmSync(fetched.tarball);
      throw new Error(
        `${fetched.name}@${fetched.version} from the registry has integrity ${integrity}, not the lockfile's ${fetched.integrity}: refused`,
      );
    }
    console.log(`fetched ${fetched.name}@${fetched.version} for Lambda (linux-arm64), integrity checked`);
  }
}

main();
