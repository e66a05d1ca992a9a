import { execFileSync, spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DRIVER_PARTS_LEFT_OUT, driverPartAliases } from '../../lib/constructs/driver-parts-left-out';
import driverPartStandIn from '../../lambdas/warehouse/driver-part-left-out';

const root = join(__dirname, '..', '..');

/** What the loopback Snowflake was asked: each request's path and JSON body. */
interface Request {
  path: string;
  body: Record<string, unknown>;
}

/**
 * Snowflake's REST API as far as a key-pair sign-in and one statement need it: login, then a result of
 * a NUMBER and a TIMESTAMP_LTZ in the session's time zone (the values the driver turns into a number
 * and a Date). Answers as the service does (JSON, success flag); anything else is acknowledged.
 */
function loopbackSnowflake(requests: Request[]): Server {
  return createServer((request: IncomingMessage, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const raw = Buffer.concat(chunks);
      const text = (request.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString();
      const path = (request.url ?? '').split('?')[0]!;
      requests.push({ path, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} });
      response.setHeader('content-type', 'application/json');
      const data =
        path === '/session/v1/login-request'
          ? {
              token: 'session-token',
              masterToken: 'master-token',
              sessionId: 1,
              parameters: [{ name: 'TIMEZONE', value: 'America/Los_Angeles' }],
              sessionInfo: {
                databaseName: null,
                schemaName: null,
                warehouseName: 'PIPELINE_WH',
                roleName: 'PIPELINE_LOADER',
              },
            }
          : path === '/queries/v1/query-request'
            ? {
                // The session's time zone and Snowflake's default format, which a timestamp's JSON follows.
                parameters: [
                  { name: 'TIMEZONE', value: 'America/Los_Angeles' },
                  { name: 'TIMESTAMP_OUTPUT_FORMAT', value: 'YYYY-MM-DD HH24:MI:SS.FF3 TZHTZM' },
                ],
                rowtype: [
                  { name: 'N', type: 'fixed', scale: 0, precision: 38, nullable: true },
                  { name: 'T', type: 'timestamp_ltz', scale: 9, precision: 0, nullable: true },
                ],
                rowset: [['42', '1733600000.123000000']],
                total: 1,
                returned: 1,
                queryId: `query-${requests.length}`,
                queryResultFormat: 'json',
                statementTypeId: 4096,
              }
            : {};
      response.end(JSON.stringify({ success: true, data }));
    });
  });
}

/** Bundles the entry as PipelineFunction does (esbuild's CLI, CJS, minified, the same aliases). */
function bundle(entry: string, directory: string): { file: string; inputs: string[] } {
  const file = join(directory, 'index.js');
  const meta = join(directory, 'meta.json');
  const aliases = Object.entries(driverPartAliases()).map(([flag, path]) => `${flag}=${path}`);
  execFileSync(
    join(root, 'node_modules', '.bin', 'esbuild'),
    [
      entry,
      '--bundle',
      '--platform=node',
      '--format=cjs',
      '--target=node22',
      '--minify',
      `--outfile=${file}`,
      `--metafile=${meta}`,
      '--log-level=error',
      ...aliases,
    ],
    { cwd: root },
  );
  const inputs = Object.keys((JSON.parse(readFileSync(meta, 'utf8')) as { inputs: object }).inputs);
  return { file, inputs };
}

function runBundle(
  file: string,
  env: Record<string, string>,
): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [file], {
      env: {
        ...process.env,
        ...env,
        SNOWFLAKE_DISABLE_MINICORE: 'true',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, out, err }));
  });
}

describe('the Snowflake driver with the parts the pipeline never uses left out of its bundle', () => {
  let directory: string;
  let built: { file: string; inputs: string[] };

  beforeAll(() => {
    directory = mkdtempSync(join(tmpdir(), 'driver-bundle-'));
    built = bundle(join(root, 'test', 'support', 'snowflake-bundle-entry.ts'), directory);
  }, 60_000);
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it('holds none of their code', () => {
    const leftOutFiles = built.inputs.filter((input) =>
      DRIVER_PARTS_LEFT_OUT.some((name) => input.includes(`node_modules/${name}/`)),
    );
    expect(leftOutFiles).toEqual([]);
    expect(built.inputs).toContain('lambdas/warehouse/driver-part-left-out.ts');
  });

  it('signs in with a key pair and returns typed rows, as the deployed steps do', async () => {
    const requests: Request[] = [];
    const server = loopbackSnowflake(requests);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { privateKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    try {
      const run = await runBundle(built.file, {
        LOOPBACK_SNOWFLAKE_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        LOOPBACK_PRIVATE_KEY: privateKey,
      });
      expect(run.err).toBe('');
      expect(run.code).toBe(0);
      // The timestamp in the session's zone, Los Angeles, in winter: the driver's time-zone data is whole.
      expect(JSON.parse(run.out)).toEqual([{ N: 42, T: '2024-12-07 11:33:20.123 -0800' }]);
      const login = requests.find((request) => request.path === '/session/v1/login-request');
      const loginData = login?.body.data as Record<string, unknown>;
      expect(loginData.AUTHENTICATOR).toBe('SNOWFLAKE_JWT');
      expect(typeof loginData.TOKEN).toBe('string');
      const statements = requests
        .filter((request) => request.path === '/queries/v1/query-request')
        .map((request) => request.body.sqlText);
      expect(statements).toEqual([
        'ALTER SESSION SET STATEMENT_TIMEOUT_IN_SECONDS = 600 LOCK_TIMEOUT = 420',
        'select 42 as n, current_timestamp() as t',
      ]);
    } finally {
      server.close();
    }
  }, 60_000);

  it('fails at once, naming what was left out and where to put it back, if one is ever used', () => {
    const standIn = driverPartStandIn as Record<string, unknown>;
    expect(standIn.__esModule).toBeUndefined();
    expect(() => standIn.BlobServiceClient).toThrow(
      /BlobServiceClient belongs to a part of the Snowflake driver left out.*lib\/constructs\/driver-parts-left-out\.ts/,
    );
  });
});
