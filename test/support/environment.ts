import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '../../lambdas/shared/s3-client';
import {
  FixtureApi,
  FixtureApiOptions,
  fixtureCredentials,
  startFixtureApi,
} from '../../local/fixture-api/server';
import { LocalS3, startLocalS3 } from '../../local/local-s3';
import { EnvSecretResolver } from '../../lambdas/shared/secrets';
import { StateStore } from '../../lambdas/shared/state-store';
import type { ExtractDeps } from '../../lambdas/extract/extract-resource';
import type { PipelineLogger } from '../../lambdas/shared/logger';

export const RAW_BUCKET = 'raw';

/** A fixture API and an s3rver on loopback, with an S3 client for both the code under test and the asserts. */
export interface TestEnvironment {
  api: FixtureApi;
  s3Server: LocalS3;
  s3: S3Client;
  logs: CapturedLogger;
  /** Extract dependencies against this environment; sleeps are recorded, not waited, unless asked. */
  deps(overrides?: Partial<ExtractDeps>): ExtractDeps;
  sleeps: number[];
  close(): Promise<void>;
}

export async function startTestEnvironment(apiOptions: FixtureApiOptions = {}): Promise<TestEnvironment> {
  const directory = mkdtempSync(join(tmpdir(), 'pipeline-test-'));
  const api = await startFixtureApi(apiOptions);
  const s3Server = await startLocalS3({ directory, buckets: [RAW_BUCKET, 'transformed', 'failed'] });
  const s3 = createS3Client({ AWS_ENDPOINT_URL_S3: s3Server.endpoint });
  const logs = new CapturedLogger();
  const sleeps: number[] = [];
  return {
    api,
    s3Server,
    s3,
    logs,
    sleeps,
    deps: (overrides = {}) => ({
      s3,
      rawBucket: RAW_BUCKET,
      stateStore: new StateStore(s3, RAW_BUCKET),
      secrets: new EnvSecretResolver({ ...fixtureCredentials }),
      logger: logs,
      sleep: async (ms) => void sleeps.push(ms),
      ...overrides,
    }),
    close: async () => {
      s3.destroy();
      await s3Server.stop();
      await api.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** Keeps every log call, so tests can assert what was (and was not) logged. */
export class CapturedLogger implements PipelineLogger {
  readonly lines: Array<{ level: string; message: string; data: unknown[] }> = [];
  debug = (message: string, ...data: unknown[]) => void this.lines.push({ level: 'debug', message, data });
  info = (message: string, ...data: unknown[]) => void this.lines.push({ level: 'info', message, data });
  warn = (message: string, ...data: unknown[]) => void this.lines.push({ level: 'warn', message, data });
  error = (message: string, ...data: unknown[]) => void this.lines.push({ level: 'error', message, data });

  text(): string {
    return this.lines.map((line) => `${line.level} ${line.message} ${JSON.stringify(line.data)}`).join('\n');
  }
}

export async function listKeys(s3: S3Client, bucket: string, prefix = ''): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    keys.push(...(page.Contents ?? []).map((object) => object.Key!));
    token = page.NextContinuationToken;
  } while (token);
  return keys.sort();
}

export async function readObjectBytes(s3: S3Client, bucket: string, key: string): Promise<Buffer> {
  const answer = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await answer.Body!.transformToByteArray());
}

/** A landed raw page, decompressed: the API's bytes as they were received. */
export async function readRawPage(s3: S3Client, key: string): Promise<Buffer> {
  return gunzipSync(await readObjectBytes(s3, RAW_BUCKET, key));
}

export async function readJson<T>(s3: S3Client, bucket: string, key: string): Promise<T> {
  return JSON.parse((await readObjectBytes(s3, bucket, key)).toString('utf8')) as T;
}

export async function objectMetadata(s3: S3Client, key: string): Promise<Record<string, string>> {
  const head = await s3.send(new HeadObjectCommand({ Bucket: RAW_BUCKET, Key: key }));
  return head.Metadata ?? {};
}

/**
 * The environment a deployed handler gets (buckets, S3 endpoint, every source's base URL, secrets),
 * pointed at this test environment. Answers a function that puts the previous environment back.
 */
export function setHandlerEnvironment(env: TestEnvironment): () => void {
  const saved = { ...process.env };
  Object.assign(process.env, {
    RAW_BUCKET,
    TRANSFORMED_BUCKET: 'transformed',
    FAILED_BUCKET: 'failed',
    AWS_ENDPOINT_URL_S3: env.s3Server.endpoint,
    ...Object.fromEntries(
      Object.entries(env.api.baseUrls).map(([source, url]) => [
        `PIPELINE_BASE_URL_${source.toUpperCase()}`,
        url,
      ]),
    ),
    ...fixtureCredentials,
  });
  return () => {
    process.env = saved;
  };
}
