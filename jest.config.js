/** ESM-only dependencies that jest (CommonJS) must transpile before it can load them. */
const esmDependencies = ['hyparquet', 'hyparquet-writer'];

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
    '^.+\\.js$': ['ts-jest', { tsconfig: 'tsconfig.esm-deps.json' }],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${esmDependencies.join('|')})/)`],
  // Servers on loopback (fixture API, s3rver) make a few tests slower than jest's 5 s default.
  testTimeout: 30000,
  maxWorkers: 2,
  setupFiles: ['<rootDir>/test/setup-env.ts'],
};
