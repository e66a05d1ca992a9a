/**
 * Packages the Snowflake driver (snowflake-sdk) requires when it loads, for features this pipeline
 * never uses: PUT/GET to Azure and GCS stages, workload identity on Azure and GCP, and OAuth sign-in.
 * Bundled, they are about 1 MB of JavaScript parsed at every cold start of a Snowflake step
 * (docs/benchmarks.md, "Cold start"). Each is replaced in the bundle by a module that fails loudly if
 * it is ever used (lambdas/warehouse/driver-part-left-out.ts).
 */
export const DRIVER_PARTS_LEFT_OUT = [
  '@azure/storage-blob',
  '@azure/identity',
  'google-auth-library',
  'oauth4webapi',
] as const;

/** Where the stand-in is, relative to the project root (the bundler's working directory). */
export const DRIVER_PART_STAND_IN = './lambdas/warehouse/driver-part-left-out.ts';

/** esbuild's arguments that put the stand-in in place of each left-out package. */
export function driverPartAliases(): Record<string, string> {
  return Object.fromEntries(DRIVER_PARTS_LEFT_OUT.map((name) => [`--alias:${name}`, DRIVER_PART_STAND_IN]));
}
