import fc from 'fast-check';
import {
  billedLambdaSeconds,
  dominant,
  perMillionRecords,
  runCost,
  streamingCostPerMillion,
  type RunUsage,
} from '../../../lib/cost/cost-model';
import { PRICES, type Prices } from '../../../lib/cost/prices';

/** Round prices, so that every expected figure below can be worked out by hand. */
const prices: Prices = {
  ...PRICES,
  lambda: { perGbSecond: 0.00001, perRequest: 0.0000002 },
  stepFunctions: { perTransition: 0.000025 },
  s3: { perWriteRequest: 0.000005, perReadRequest: 0.0000004, perGbMonth: 0.02 },
  snowflake: { perCredit: 3, edition: 'Enterprise' },
  snowpipe: { creditsPerFile: 0.00006, creditsPerGb: 0.0037 },
  apiGateway: { perRequest: 0.0000035 },
  kinesis: { perGbIngested: 0.08, perStreamHour: 0.04 },
  firehose: { perGbIngested: 0.029, recordRoundingKb: 5 },
};

const run: RunUsage = {
  label: 'example',
  sources: ['example'],
  records: 100_000,
  pages: 100,
  bytes: { raw: 1024 ** 3, transformed: 1024 ** 3, failed: 5 },
  objects: { raw: 101, transformed: 10, failed: 1 },
  s3Requests: { PutObject: 900, UploadPart: 100, GetObject: 500, HeadObject: 500, DeleteObject: 7 },
  parquetFiles: 10,
  transitions: 40,
  tasks: { Extract: { invocations: 1, ms: 10_000 }, Notify: { invocations: 1, ms: 100 } },
  seconds: 12,
};
const functions = { Extract: { memoryMb: 1769, initMs: 400 }, Notify: { memoryMb: 256, initMs: 200 } };

describe('the cost model', () => {
  it('bills CPU-bound time at the share of a vCPU the memory buys, never less than the time measured', () => {
    expect(billedLambdaSeconds(1000, 1769)).toBe(1);
    expect(billedLambdaSeconds(1000, 3538)).toBe(1);
    expect(billedLambdaSeconds(1000, 256)).toBeCloseTo(1769 / 256, 10);
  });

  it('prices each service from the measured usage', () => {
    const cost = runCost(run, functions, prices);
    // Extract: 10 s + 0.4 s init at 1769 MB; Notify: 0.1 s × 1769/256 + 0.2 s init at 256 MB.
    const gbSeconds = 10.4 * (1769 / 1024) + (0.1 * (1769 / 256) + 0.2) * (256 / 1024);
    expect(cost.lambdaGbSeconds).toBeCloseTo(gbSeconds, 10);
    expect(cost.lambda).toBeCloseTo(gbSeconds * 0.00001 + 2 * 0.0000002, 12);
    expect(cost.stepFunctions).toBeCloseTo(40 * 0.000025, 12);
    // 1,000 writes (puts and parts); 1,000 reads plus one GET per Parquet file by Snowpipe; deletes free.
    expect(cost.s3Requests).toBeCloseTo(1000 * 0.000005 + 1010 * 0.0000004, 12);
    expect(cost.snowpipe).toBeCloseTo(10 * 0.00006 * 3, 12);
    expect(cost.storagePerMonth).toBeCloseTo(2 * 0.02, 12);
    expect(cost.total).toBeCloseTo(cost.lambda + cost.stepFunctions + cost.s3Requests + cost.snowpipe, 12);
    // 1,000 writes at half a cent per thousand outweigh 18.5 GB-s of Lambda.
    expect(dominant(cost).part).toBe('S3 requests');
  });

  it('refuses a task state no function is deployed for, instead of pricing it at nothing', () => {
    expect(() => runCost(run, { Extract: functions.Extract }, prices)).toThrow(
      'no function deployed for task state "Notify"',
    );
  });

  it('scales every part by the same factor to a million records', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000_000 }), (records) => {
        const cost = runCost({ ...run, records }, functions, prices);
        const scaled = perMillionRecords(cost, records);
        expect(scaled.total).toBeCloseTo((cost.total * 1_000_000) / records, 6);
        expect(scaled.lambda / scaled.total).toBeCloseTo(cost.lambda / cost.total, 9);
      }),
    );
  });

  it('bills Firehose by records rounded up to 5 KB, so small events cost as 5 KB each', () => {
    const small = streamingCostPerMillion(300, 1, { memoryMb: 256, msPerRequest: 2 }, prices);
    // A million 5 KB records: 5,000,000 KB = 4.77 GB.
    expect(small.firehose).toBeCloseTo(((1_000_000 * 5) / 1024 ** 2) * 0.029, 9);
    const batched = streamingCostPerMillion(300, 100, { memoryMb: 256, msPerRequest: 8 }, prices);
    expect(batched.apiGateway).toBeCloseTo(small.apiGateway / 100, 12);
    expect(batched.firehose).toBe(small.firehose);
  });
});
