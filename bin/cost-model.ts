#!/usr/bin/env node
/**
 * `npm run cost`: docs/cost.md from the measured figures in bench/results/ (written by
 * `npx tsx bench/cost-inputs.bench.ts`, `bench/cold-start.bench.ts` and `bench/stream.bench.ts`), the
 * prices in lib/cost/prices.ts, and each environment's function memory read from its synthesized
 * template (no bundling, seconds). Re-run it after any of those changes.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { format, resolveConfig } from 'prettier';
import type { ColdStart } from '../bench/cold-start.bench';
import { readResult, type Measured } from '../bench/results';
import type { StreamFigures } from '../bench/stream.bench';
import {
  dominant,
  perMillionRecords,
  runCost,
  streamingCostPerMillion,
  type RunCost,
  type RunUsage,
  type TaskFunction,
} from '../lib/cost/cost-model';
import { PRICES } from '../lib/cost/prices';
import { desiredPipelineTemplate } from '../lib/ops/desired-template';
import { allStates, stateMachineDefinitionFrom } from '../lib/state-machine-definition';

const ENVIRONMENTS = ['dev', 'staging', 'prod'] as const;
const TEN_GB = 10 * 1024 ** 3;

function required<T>(name: string, command: string): Measured<T> {
  const result = readResult<T>(name);
  if (!result) {
    console.error(`bench/results/${name}.json is missing: run \`${command}\` first`);
    process.exit(1);
  }
  return result;
}

/** Each task state's function in an environment: its memory (from the template) and its measured init. */
function taskFunctions(envName: string, coldStarts: Record<string, ColdStart>): Record<string, TaskFunction> {
  const template = desiredPipelineTemplate(envName, {}) as {
    Resources: Record<string, { Type: string; Properties?: { MemorySize?: number } }>;
  };
  const definition = stateMachineDefinitionFrom(template as never);
  const functions: Record<string, TaskFunction> = {};
  for (const [name, state] of allStates(definition)) {
    const functionId = /:function:([^:]+)$/.exec(String(state.Resource ?? ''))?.[1];
    if (state.Type !== 'Task' || !functionId) continue;
    const memoryMb = template.Resources[functionId]?.Properties?.MemorySize ?? 128;
    const coldStart = coldStarts[functionId.replace(/[0-9A-F]{8}$/, '')];
    functions[name] = { memoryMb, initMs: coldStart?.initMsWithSourceMaps ?? 0 };
  }
  return functions;
}

const dollars = (value: number) =>
  value >= 1 ? `$${value.toFixed(2)}` : value >= 0.001 ? `$${value.toFixed(4)}` : `$${value.toFixed(6)}`;
const count = (value: number) => Math.round(value).toLocaleString('en');

function costRow(label: string, cost: RunCost): string {
  const top = dominant(cost);
  return `| ${label} | ${dollars(cost.lambda)} | ${dollars(cost.stepFunctions)} | ${dollars(cost.s3Requests)} | ${dollars(cost.snowpipe)} | **${dollars(cost.total)}** | ${top.part} (${Math.round(top.share * 100)} %) | ${dollars(cost.storagePerMonth)} |`;
}

const COST_HEADER = [
  '| run | Lambda | Step Functions | S3 requests | Snowpipe (per file) | total | largest part | storage per month kept |',
  '| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: |',
];

/** The page's conclusions, computed from the same figures as its tables. */
function inShort(
  runs: RunUsage[],
  generated: RunUsage | undefined,
  prod: Record<string, TaskFunction>,
  batchedStream: StreamFigures | undefined,
): string[] {
  const lines = ['## In short', ''];
  if (generated) {
    const cost = perMillionRecords(runCost(generated, prod, PRICES), generated.records);
    const top = dominant(cost);
    lines.push(
      `- **At volume the batch path costs ${dollars(cost.total)} per million records**, within the target of $0.10. The largest part is ${top.part}, at ${Math.round(top.share * 100)} % (extract's time, most of it spent keeping to the source's rate limit, 100 requests a minute, which Lambda bills as any other time). Measured on ${generated.label}.`,
    );
  }
  const small = runs.filter((run) => run !== generated);
  const perRun = small.map((run) => runCost(run, prod, PRICES).total);
  lines.push(
    `- **A small daily run costs ${dollars(Math.min(...perRun))} to ${dollars(Math.max(...perRun))}**, whatever its size. The parts that come with every run dominate: Step Functions' transitions and Snowpipe's charge per file. Per million records that is high for a source of a few thousand records (fakestore's 37 records come to dollars per million), yet it is a fraction of a cent a day.`,
    '- **The largest cost is not in this model.** Each run resumes the Snowflake warehouse for the quality step, and a resume bills at least 60 s: about $0.05 a run on an X-Small.',
  );
  if (batchedStream) {
    const cost = streamingCostPerMillion(
      batchedStream.eventBytes,
      batchedStream.eventsPerRequest,
      { memoryMb: 256, msPerRequest: batchedStream.p50Ms },
      PRICES,
    );
    lines.push(
      `- **The real-time path costs ${dollars(cost.total)} per million events** in requests of ${batchedStream.eventsPerRequest}. Firehose's rounding of each record up to 5 KB is ${Math.round((cost.firehose / cost.total) * 100)} % of that. Putting several events in one Kinesis record would cut it; the path does not do that today. Single-event requests cost about 20 times more, mostly API Gateway.`,
    );
  }
  return lines;
}

async function main(): Promise<void> {
  const inputs = required<RunUsage[]>('cost-inputs', 'npx tsx bench/cost-inputs.bench.ts');
  const coldStart = required<Record<string, ColdStart>>('cold-start', 'npx tsx bench/cold-start.bench.ts');
  const stream = readResult<Record<string, StreamFigures>>('stream');
  const functions = Object.fromEntries(
    ENVIRONMENTS.map((envName) => [envName, taskFunctions(envName, coldStart.figures)]),
  );
  const runs = inputs.figures;
  const generated = runs.find((run) => run.label.startsWith('events_oauth at'));
  const builtIn = runs.filter((run) => run !== generated);
  const prod = functions.prod!;

  const lines: string[] = [
    '# What a run costs',
    '',
    '<!-- Written by `npm run cost` (bin/cost-model.ts); edit the script or lib/cost/prices.ts, not this file. -->',
    '',
    `Prices: ${PRICES.region}, ${PRICES.asOf}. Snowflake credits at $${PRICES.snowflake.perCredit.toFixed(2)} (${PRICES.snowflake.edition}).`,
    `Usage measured on ${inputs.machine}, Node ${inputs.node}, ${inputs.measuredAt} (\`npx tsx bench/cost-inputs.bench.ts\`); cold starts ${coldStart.measuredAt} (\`npx tsx bench/cold-start.bench.ts\`).`,
    '',
    ...inShort(runs, generated, prod, stream?.figures['100']),
    '',
    '## How the model works',
    '',
    '- **Usage is measured, not assumed.** Each built-in source runs alone through the whole local',
    "  pipeline: the deployed state machine definition and the functions' own handlers (`npm start`'s",
    '  engine). The benchmark counts the records and pages, and every S3 request the handlers send, by',
    '  operation. It also counts the bytes and objects written to each bucket, the Parquet files Snowpipe',
    '  loads, the state transitions as Step Functions bills them (each state entered, each retry), and',
    "  each task state's invocations and handler time.",
    "- **Lambda.** Each task state's handler time is billed at the memory its function has in the",
    '  environment (read from the synthesized template). The time is taken on this machine with a whole',
    '  core free. A function with less than 1,769 MB gets only a share of one vCPU, so the time is scaled',
    '  by 1,769 / memory: the upper bound, as if all the work were CPU. Where a step waits on an API or on',
    '  Snowflake instead, it costs less. Every invocation is counted as a cold start, with its measured',
    '  module init billed, as Lambda bills init. Plus $0.20 per million requests.',
    '- **S3.** PUT, COPY, POST and LIST requests are billed at the write rate; GET and HEAD at the read',
    '  rate; deletes are free. Snowpipe reads each Parquet file once, which adds one GET per file.',
    '  Storage is shown per month kept, apart from the run.',
    '- **Snowpipe.** The per-file charge (0.06 credits per 1,000 files) is included. The compute of the',
    "  load itself is Snowflake's and is not measured here. Where Snowflake's simplified per-GB pricing",
    `  applies (${PRICES.snowpipe.creditsPerGb} credits per GB loaded), it replaces both; see the 10 GB resource below.`,
    "- **Not included.** The warehouse's time for the quality step's MERGE and checks: a resumed warehouse",
    '  bills at least 60 s, which is $0.05 per run on an X-Small at $3 a credit, whatever the size of the',
    '  run. Also left out: CloudWatch Logs (a few lines per page at INFO, about 1 MB per million',
    '  records), and the SNS notice and the SQS queues (cents per million).',
    '',
    '## Per built-in source, one daily run, prod',
    '',
    '| source | records | pages | transitions | raw objects | Parquet files | Lambda GB-s |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const run of runs) {
    const cost = runCost(run, prod, PRICES);
    lines.push(
      `| ${run.label} | ${count(run.records)} | ${count(run.pages)} | ${count(run.transitions)} | ${count(run.objects.raw ?? 0)} | ${count(run.parquetFiles)} | ${cost.lambdaGbSeconds.toFixed(1)} |`,
    );
  }
  lines.push('', 'The run itself, in dollars:', '', ...COST_HEADER);
  for (const run of runs) lines.push(costRow(run.label, runCost(run, prod, PRICES)));
  lines.push('', 'The same, per million records:', '', ...COST_HEADER);
  for (const run of runs)
    lines.push(costRow(run.label, perMillionRecords(runCost(run, prod, PRICES), run.records)));

  lines.push('', '## Per environment (memory differs), per million records', '');
  lines.push(
    '| source | ' + ENVIRONMENTS.join(' | ') + ' |',
    '| --- |' + ENVIRONMENTS.map(() => ' ---: |').join(''),
  );
  for (const run of runs)
    lines.push(
      `| ${run.label} | ${ENVIRONMENTS.map((envName) => dollars(perMillionRecords(runCost(run, functions[envName]!, PRICES), run.records).total)).join(' | ')} |`,
    );

  // 10 GB as the API sends it: JSON events of the generator the generated resource and the stream
  // benchmark share (raw keeps pages gzipped, several times smaller).
  const eventBytes = stream?.figures['100']?.eventBytes ?? stream?.figures['1']?.eventBytes;
  if (generated && eventBytes) {
    const records = TEN_GB / eventBytes;
    const perMillion = perMillionRecords(runCost(generated, prod, PRICES), generated.records);
    const total = (perMillion.total * records) / 1_000_000;
    const transformedGb = (((generated.bytes.transformed ?? 0) / generated.records) * records) / 1024 ** 3;
    const rawGb = (((generated.bytes.raw ?? 0) / generated.records) * records) / 1024 ** 3;
    const perGbSnowpipe = transformedGb * PRICES.snowpipe.creditsPerGb * PRICES.snowflake.perCredit;
    lines.push(
      '',
      '## A generated 10 GB resource',
      '',
      `Scaled from the measured run of ${generated.label}. One event is ${eventBytes} bytes of JSON as the API sends it, so 10 GB is ${count(records)} records. Raw keeps them gzipped: ${rawGb.toFixed(2)} GB. The Parquet is ${transformedGb.toFixed(2)} GB. Every cost above grows with the records, so the scaling is linear. The run's fixed parts (plan, lease, notify) are spread thinner at this size.`,
      '',
      `- Per million records: **${dollars(perMillion.total)}**. The largest part is ${dominant(perMillion).part} (${Math.round(dominant(perMillion).share * 100)} %).`,
      `- The whole resource: ${dollars(total)} per run. Keeping its raw and Parquet for a month costs ${dollars((perMillion.storagePerMonth * records) / 1_000_000)}.`,
      `- At Snowpipe's per-GB rate, loading its Parquet costs ${dollars(perGbSnowpipe)}, in place of the per-file charge.`,
    );
  }

  const single = stream?.figures['1'];
  const batched = stream?.figures['100'];
  const ingestMemory = 256;
  if (single || batched) {
    lines.push(
      '',
      '## The real-time path, per million events',
      '',
      `Measured by \`npx tsx bench/stream.bench.ts\` (${stream!.measuredAt}): the bytes of an event as posted, and the median time of a request. The ingest function runs at ${ingestMemory} MB. Each event is one Kinesis record, so Firehose bills it as ${PRICES.firehose.recordRoundingKb} KB.`,
      '',
      '| events per request | event bytes | API Gateway | Lambda | Kinesis | Firehose | total |',
      '| ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    );
    for (const figures of [single, batched].filter((entry): entry is StreamFigures => Boolean(entry))) {
      const cost = streamingCostPerMillion(
        figures.eventBytes,
        figures.eventsPerRequest,
        { memoryMb: ingestMemory, msPerRequest: figures.p50Ms },
        PRICES,
      );
      lines.push(
        `| ${figures.eventsPerRequest} | ${figures.eventBytes} | ${dollars(cost.apiGateway)} | ${dollars(cost.lambda)} | ${dollars(cost.kinesis)} | ${dollars(cost.firehose)} | **${dollars(cost.total)}** |`,
      );
    }
    lines.push(
      '',
      `On-demand Kinesis also bills the stream by the hour: $${(PRICES.kinesis.perStreamHour * 24 * 30).toFixed(2)} a month, whatever it carries.`,
    );
  }

  const target = 0.1;
  const worst = builtIn.map((run) => ({
    run,
    cost: perMillionRecords(runCost(run, prod, PRICES), run.records),
  }));
  lines.push(
    '',
    '## Against the target',
    '',
    `The target is $${target.toFixed(2)} or less per million records in the batch path. The prod figures above, per million records:`,
    '',
  );
  for (const { run, cost } of worst)
    lines.push(
      `- ${run.label}: ${dollars(cost.total)}, ${cost.total <= target ? 'within' : 'over'} the target. The largest part is ${dominant(cost).part}.`,
    );
  if (generated) {
    const cost = perMillionRecords(runCost(generated, prod, PRICES), generated.records);
    lines.push(
      `- ${generated.label}: ${dollars(cost.total)}, ${cost.total <= target ? 'within' : 'over'} the target. The largest part is ${dominant(cost).part}.`,
    );
  }
  // Laid out as the rest of docs/ (the lint checks it).
  const file = join(__dirname, '..', 'docs', 'cost.md');
  const options = (await resolveConfig(file)) ?? {};
  writeFileSync(file, await format(`${lines.join('\n')}\n`, { ...options, filepath: file }));
  console.log('written: docs/cost.md');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
