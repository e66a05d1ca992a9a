/**
 * List prices the cost model uses (docs/cost.md), for one region, with the date they were taken.
 * Edit them here (and the date) when a price changes or for another region, then `npm run cost`.
 */
export interface Prices {
  region: string;
  /** When these prices were read, and from where. */
  asOf: string;
  lambda: { perGbSecond: number; perRequest: number };
  stepFunctions: { perTransition: number };
  s3: { perWriteRequest: number; perReadRequest: number; perGbMonth: number };
  snowflake: { perCredit: number; edition: string };
  snowpipe: { creditsPerFile: number; creditsPerGb: number };
  apiGateway: { perRequest: number };
  kinesis: { perGbIngested: number; perStreamHour: number };
  firehose: { perGbIngested: number; recordRoundingKb: number };
}

export const PRICES: Prices = {
  region: 'us-east-1',
  asOf: 'list prices as published by AWS (aws.amazon.com/<service>/pricing) and Snowflake (snowflake.com/pricing), as known on 2026-12-07; the script does not fetch them (the build machine has no internet), so check them before relying on a figure',
  // Arm (Graviton), as every function is deployed; first 6 billion GB-s of a month.
  lambda: { perGbSecond: 0.0000133334, perRequest: 0.2 / 1_000_000 },
  // Standard workflows.
  stepFunctions: { perTransition: 0.025 / 1000 },
  // S3 Standard: PUT, COPY, POST, LIST; GET and the rest; storage, first 50 TB.
  s3: { perWriteRequest: 0.005 / 1000, perReadRequest: 0.0004 / 1000, perGbMonth: 0.023 },
  // Enterprise edition on AWS in US East; Standard is $2.00.
  snowflake: { perCredit: 3.0, edition: 'Enterprise' },
  // The per-file charge of Snowpipe's file-based pricing; the per-GB rate of its newer, simplified one.
  snowpipe: { creditsPerFile: 0.06 / 1000, creditsPerGb: 0.0037 },
  // REST API, first 333 million requests.
  apiGateway: { perRequest: 3.5 / 1_000_000 },
  // On-demand: data in per GB; each stream also pays by the hour whatever it carries.
  kinesis: { perGbIngested: 0.08, perStreamHour: 0.04 },
  // Kinesis Data Streams as source: per GB ingested, each record rounded up to 5 KB.
  firehose: { perGbIngested: 0.029, recordRoundingKb: 5 },
};
