/**
 * What a function's bundle holds in place of a package the Snowflake driver requires at load but only
 * uses for features this pipeline never turns on (lib/constructs/driver-parts-left-out.ts): loading it
 * costs nothing; using it fails at once, saying what was left out and why, instead of an obscure
 * "undefined is not a function" far from the cause.
 */
const leftOut = new Proxy(
  {},
  {
    get(_target, key) {
      // Read by esbuild's and TypeScript's module interop when the package is required; not a use.
      if (key === '__esModule' || key === 'default' || typeof key === 'symbol') return undefined;
      throw new Error(
        `${String(key)} belongs to a part of the Snowflake driver left out of this function's bundle ` +
          '(stage file transfer to Azure or GCS, Azure or GCP workload identity, OAuth): the pipeline ' +
          'connects with a key pair or a password and loads through Snowpipe; if a new feature needs it, ' +
          'remove the package from lib/constructs/driver-parts-left-out.ts',
      );
    },
  },
);

export = leftOut;
