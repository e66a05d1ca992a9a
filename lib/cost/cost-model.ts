/**
 * What a run costs, from what it was measured to use (bench/cost-inputs.bench.ts) and list prices
 * (prices.ts): per service, in dollars, and per million records. Pure arithmetic, so that the model
 * can be checked by a test and re-run whenever the benchmarks are.
 */
import type { Prices } from './prices';

/** One measured run, as bench/cost-inputs.bench.ts writes it. */
export interface RunUsage {
  label: string;
  sources: string[];
  records: number;
  pages: number;
  bytes: Record<string, number>;
  objects: Record<string, number>;
  s3Requests: Record<string, number>;
  parquetFiles: number;
  transitions: number;
  tasks: Record<string, { invocations: number; ms: number }>;
  seconds: number;
}

/** A function as the environment deploys it: its memory and what a cold start of it takes. */
export interface TaskFunction {
  memoryMb: number;
  /** Module init measured by bench/cold-start.bench.ts (ms); billed on every cold start. */
  initMs: number;
}

export interface RunCost {
  lambda: number;
  stepFunctions: number;
  s3Requests: number;
  snowpipe: number;
  total: number;
  /** Dollars per month for keeping what the run wrote (raw and transformed), not in `total`. */
  storagePerMonth: number;
  lambdaGbSeconds: number;
}

/** S3 operations billed in the PUT, COPY, POST, LIST class; the rest are billed as GETs, deletes are free. */
const S3_WRITE_CLASS = new Set([
  'PutObject',
  'CopyObject',
  'CreateMultipartUpload',
  'UploadPart',
  'CompleteMultipartUpload',
  'ListObjectsV2',
  'ListObjects',
]);
const S3_FREE = new Set(['DeleteObject', 'DeleteObjects', 'AbortMultipartUpload']);

/** A full vCPU: below this much memory Lambda gives a function a proportional share of one. */
export const FULL_VCPU_MB = 1769;

/**
 * Lambda time billed for work measured on a machine with a whole core free: at `memoryMb` under a full
 * vCPU the same work runs up to 1769/memoryMb times longer if it is CPU-bound (the upper bound taken
 * here), and takes the measured time where it waits on the network. Plus the cold start's init.
 */
export function billedLambdaSeconds(measuredMs: number, memoryMb: number): number {
  return (measuredMs * Math.max(1, FULL_VCPU_MB / memoryMb)) / 1000;
}

export function runCost(usage: RunUsage, functions: Record<string, TaskFunction>, prices: Prices): RunCost {
  let gbSeconds = 0;
  let invocations = 0;
  for (const [state, task] of Object.entries(usage.tasks)) {
    const fn = functions[state];
    if (!fn) throw new Error(`no function deployed for task state "${state}"`);
    // Each invocation of a daily run is taken as a cold start (the upper bound): its init is billed.
    const seconds = billedLambdaSeconds(task.ms, fn.memoryMb) + (task.invocations * fn.initMs) / 1000;
    gbSeconds += seconds * (fn.memoryMb / 1024);
    invocations += task.invocations;
  }
  const lambda = gbSeconds * prices.lambda.perGbSecond + invocations * prices.lambda.perRequest;
  const stepFunctions = usage.transitions * prices.stepFunctions.perTransition;
  let writes = 0;
  let reads = 0;
  for (const [operation, count] of Object.entries(usage.s3Requests)) {
    if (S3_FREE.has(operation)) continue;
    if (S3_WRITE_CLASS.has(operation)) writes += count;
    else reads += count;
  }
  // Snowpipe reads each Parquet file once from the transformed bucket: a GET of ours.
  reads += usage.parquetFiles;
  const s3Requests = writes * prices.s3.perWriteRequest + reads * prices.s3.perReadRequest;
  const snowpipe = usage.parquetFiles * prices.snowpipe.creditsPerFile * prices.snowflake.perCredit;
  const keptBytes = (usage.bytes.raw ?? 0) + (usage.bytes.transformed ?? 0);
  const storagePerMonth = (keptBytes / 1024 ** 3) * prices.s3.perGbMonth;
  return {
    lambda,
    stepFunctions,
    s3Requests,
    snowpipe,
    total: lambda + stepFunctions + s3Requests + snowpipe,
    storagePerMonth,
    lambdaGbSeconds: gbSeconds,
  };
}

/** A cost scaled to one million records of the run. */
export function perMillionRecords(cost: RunCost, records: number): RunCost {
  const factor = 1_000_000 / records;
  return Object.fromEntries(
    Object.entries(cost).map(([key, value]) => [key, value * factor]),
  ) as unknown as RunCost;
}

/** The largest part of a run's cost (storage apart), with its share of the total. */
export function dominant(cost: RunCost): { part: string; share: number } {
  const parts = {
    Lambda: cost.lambda,
    'Step Functions': cost.stepFunctions,
    'S3 requests': cost.s3Requests,
    Snowpipe: cost.snowpipe,
  };
  const [part, value] = Object.entries(parts).sort(([, a], [, b]) => b - a)[0]!;
  return { part, share: cost.total ? value / cost.total : 0 };
}

/** The real-time path per million events: API Gateway, the ingest function, Kinesis, Firehose. */
export function streamingCostPerMillion(
  eventBytes: number,
  eventsPerRequest: number,
  ingest: { memoryMb: number; msPerRequest: number },
  prices: Prices,
): { apiGateway: number; lambda: number; kinesis: number; firehose: number; total: number } {
  const requests = 1_000_000 / eventsPerRequest;
  const gigabytes = (1_000_000 * eventBytes) / 1024 ** 3;
  const apiGateway = requests * prices.apiGateway.perRequest;
  const lambda =
    requests *
    (prices.lambda.perRequest +
      billedLambdaSeconds(ingest.msPerRequest, ingest.memoryMb) *
        (ingest.memoryMb / 1024) *
        prices.lambda.perGbSecond);
  const kinesis = gigabytes * prices.kinesis.perGbIngested;
  // Firehose bills each record rounded up to the next 5 KB: one Kinesis record per event here.
  const billedRecordKb =
    Math.ceil(eventBytes / 1024 / prices.firehose.recordRoundingKb) * prices.firehose.recordRoundingKb;
  const firehose = ((1_000_000 * billedRecordKb) / 1024 ** 2) * prices.firehose.perGbIngested;
  return { apiGateway, lambda, kinesis, firehose, total: apiGateway + lambda + kinesis + firehose };
}
