import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  installCommands,
  integrityOf,
  LAMBDA_NATIVE_MODULES,
  NATIVE_CACHE,
  nativeModulePlan,
} from '../../lib/constructs/lambda-native-modules';

describe("validate's DuckDB for Lambda, pinned and installed without the network", () => {
  it('takes the linux-arm64 (glibc) binding only, at the version and integrity the lockfile pins', () => {
    const plan = nativeModulePlan(LAMBDA_NATIVE_MODULES);
    expect(plan.copied).toEqual(['@duckdb/node-api', '@duckdb/node-bindings', 'detect-libc']);
    expect(plan.fetched).toEqual([
      expect.objectContaining({
        name: '@duckdb/node-bindings-linux-arm64',
        integrity: expect.stringMatching(/^sha512-/),
      }),
    ]);
  });

  it('was fetched by npm ci with that integrity, and installs by copying and unpacking, never npm', () => {
    const [binding] = nativeModulePlan(LAMBDA_NATIVE_MODULES).fetched;
    expect(integrityOf(binding!.tarball)).toBe(binding!.integrity);
    const commands = installCommands('/bundle', LAMBDA_NATIVE_MODULES);
    expect(commands.some((command) => /\bnpm\b/.test(command))).toBe(false);
    expect(commands).toContain(
      `tar -xzf '${binding!.tarball}' -C '/bundle/node_modules/@duckdb/node-bindings-linux-arm64' --strip-components=1`,
    );
    expect(binding!.tarball.startsWith(NATIVE_CACHE)).toBe(true);
  });

  it('refuses a missing or altered binding, saying how to fetch it', () => {
    const cache = mkdtempSync(join(tmpdir(), 'lambda-native-'));
    try {
      expect(() => installCommands('/bundle', LAMBDA_NATIVE_MODULES, cache)).toThrow(
        /is not in .* with the lockfile's integrity: run npm ci .* while the npm registry is reachable/,
      );
      const [binding] = nativeModulePlan(LAMBDA_NATIVE_MODULES, cache).fetched;
      copyFileSync(nativeModulePlan(LAMBDA_NATIVE_MODULES).fetched[0]!.tarball, binding!.tarball);
      expect(installCommands('/bundle', LAMBDA_NATIVE_MODULES, cache).length).toBeGreaterThan(0);
      writeFileSync(binding!.tarball, 'tampered');
      expect(() => installCommands('/bundle', LAMBDA_NATIVE_MODULES, cache)).toThrow(/lockfile's integrity/);
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
  });
});
