#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { snowflakeConnector } from '../lambdas/snowflake-setup/handler';
import { EnvironmentConfigError } from '../lib/config/environment-config';
import { environmentConfig } from '../lib/config/environments';
import { desiredPipelineTemplate } from '../lib/ops/desired-template';
import { explainAwsError } from '../lib/ops/aws-errors';
import { OperatorError } from '../lib/ops/operator-error';
import { PipelineOperator } from '../lib/ops/pipeline-operator';
import { planSnowflake } from '../lib/ops/snowflake-plan';

const usage = `Operate a deployed pipeline (AWS credentials of its account; region from AWS_REGION or the profile).

  npm run ops -- run --env dev [--date 2026-11-01] [--source gfn ...]   start a run and follow it
  npm run ops -- backfill --env dev --from 2026-11-01 --to 2026-11-07 [--source gfn ...]   days in order, one at a time
  npm run ops -- status --env dev [--limit 10]                             recent runs
  npm run ops -- snowflake-plan --env prod [--overrides '{…}']             the SQL a deploy of this checkout would run in Snowflake, run nothing
                                                                           (--overrides: the same JSON as cdk's -c overrides)`;

const COMMANDS = ['run', 'backfill', 'status', 'snowflake-plan'];

async function main(): Promise<number> {
  const [command, ...rest] = process.argv.slice(2);
  const { values } = parseArgs({
    args: rest,
    options: {
      env: { type: 'string' },
      date: { type: 'string' },
      source: { type: 'string', multiple: true },
      from: { type: 'string' },
      to: { type: 'string' },
      parallel: { type: 'string' },
      limit: { type: 'string' },
      overrides: { type: 'string' },
    },
  });
  if (!command || !COMMANDS.includes(command)) {
    console.error(
      command ? `ops: unknown command "${command}": use one of ${COMMANDS.join(', ')}\n\n${usage}` : usage,
    );
    return 2;
  }
  if (!values.env) {
    console.error(`ops: --env is required (dev, staging, prod)\n\n${usage}`);
    return 2;
  }
  if (command === 'snowflake-plan') {
    // A mistake in the environment or the overrides is told before anything reaches AWS.
    environmentConfig(values.env, values.overrides);
    const plan = await planSnowflake(`Pipeline-${values.env}`, {
      cloudFormation: new CloudFormationClient({}),
      connect: snowflakeConnector(new SecretsManagerClient({})),
      desiredTemplate: (location) => desiredPipelineTemplate(values.env!, values.overrides, location),
      print: (line) => console.log(line),
    });
    return plan.failure ? 1 : 0;
  }
  const operator = new PipelineOperator({
    sfn: new SFNClient({}),
    cloudFormation: new CloudFormationClient({}),
    print: (line) => console.log(line),
  });
  if (command === 'status') {
    await operator.status({ env: values.env, limit: values.limit ? Number(values.limit) : undefined });
    return 0;
  }
  if (command === 'run') {
    const run = await operator.run({ env: values.env, logicalDate: values.date, sources: values.source });
    return run.status === 'SUCCEEDED' ? 0 : 1;
  }
  if (!values.from || !values.to) throw new OperatorError('backfill needs --from and --to (YYYY-MM-DD)');
  if (values.parallel !== undefined)
    throw new OperatorError(
      'backfill runs days in order, one at a time: runs over the same resources take turns (each holds a lease on them), and each day starts from the cursor the day before left. Drop --parallel',
    );
  const runs = await operator.backfill({
    env: values.env,
    from: values.from,
    to: values.to,
    sources: values.source,
  });
  return runs.every((run) => run.status === 'SUCCEEDED') ? 0 : 1;
}

main().then(
  (code) => (process.exitCode = code),
  (thrown: unknown) => {
    const error = explainAwsError(thrown);
    if (
      error instanceof OperatorError ||
      error instanceof EnvironmentConfigError ||
      ((error as Error).name === 'TypeError' && /parseArgs|Unknown option/i.test((error as Error).message))
    ) {
      console.error(`ops: ${(error as Error).message}`);
    } else {
      console.error(error);
    }
    process.exitCode = 1;
  },
);
