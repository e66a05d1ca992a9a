import {
  CloudFormationClient,
  DescribeStacksCommand,
  GetTemplateCommand,
  ListStackResourcesCommand,
} from '@aws-sdk/client-cloudformation';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { handleSetupEvent } from '../../../lambdas/snowflake-setup/handler';
import { snowflakeTypes, SnowpipeProperties } from '../../../lambdas/warehouse/snowpipe-objects';
import { desiredPipelineTemplate } from '../../../lib/ops/desired-template';
import { isRead, PlanningExecutor } from '../../../lib/ops/planning-executor';
import { planSnowflake, resolveIntrinsics, StackTemplate } from '../../../lib/ops/snowflake-plan';
import { CapturedLogger } from '../../support/environment';
import { RecordingExecutor } from '../../support/recording-executor';

const cloudFormation = mockClient(CloudFormationClient);
const STACK = 'Pipeline-prod';
const location = { partition: 'aws', region: 'eu-west-1', account: '123456789012' };
const snowflake = {
  secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:pipeline/snowflake-AbCdEf',
  database: 'PIPELINE_PROD',
  warehouse: 'PIPELINE_WH',
};
const RESOURCE = 'Custom::SnowpipeIntegration';
const PHYSICAL_ID = 'snowflake:PIPELINE_PROD:PIPELINE_PROD_S3';

/** The template this checkout deploys for prod with Snowflake configured (synthesized once, ~5 s). */
let desired: StackTemplate;
beforeAll(() => {
  desired = desiredPipelineTemplate('prod', { snowflake }, location);
});
beforeEach(() => cloudFormation.reset());

const resourceOf = (template: StackTemplate) =>
  Object.entries(template.Resources!).find(([, resource]) => resource.Type === RESOURCE)!;

/**
 * A copy of `template` whose Snowflake properties are edited: the Config is read with each Ref kept as
 * a marker, edited as JSON, and joined again with the Refs where they were — as an older deploy's
 * template would hold them.
 */
function withProperties(
  template: StackTemplate,
  edit: (properties: SnowpipeProperties) => void,
): StackTemplate {
  const copy = structuredClone(template);
  const [, resource] = resourceOf(copy);
  const config = resolveIntrinsics(resource.Properties!.Config, (name) => `@@${name}@@`) as string;
  const properties = JSON.parse(config) as SnowpipeProperties;
  edit(properties);
  const parts = JSON.stringify(properties)
    .split(/@@([^@]+)@@/)
    .map((part, index) => (index % 2 ? { Ref: part } : part));
  resource.Properties!.Config = { 'Fn::Join': ['', parts] };
  return copy;
}

/** The properties as CloudFormation hands them to the function (Refs resolved to the deployed values). */
function deployedProperties(template: StackTemplate): SnowpipeProperties {
  const [, resource] = resourceOf(template);
  return JSON.parse(
    resolveIntrinsics(resource.Properties!.Config, resolveRef) as string,
  ) as SnowpipeProperties;
}

const pseudo: Record<string, string> = {
  'AWS::Partition': 'aws',
  'AWS::AccountId': location.account,
  'AWS::Region': location.region,
};
const resolveRef = (name: string) => pseudo[name] ?? `physical-${name}`;

/** CloudFormation answering for a stack deployed from `deployed`. */
function deploy(deployed: StackTemplate) {
  const [logicalId] = resourceOf(deployed);
  const properties = deployedProperties(deployed);
  const refs = [...JSON.stringify(deployed.Resources![logicalId]).matchAll(/"Ref":"([^"]+)"/g)]
    .map((match) => match[1]!)
    .filter((name) => !name.startsWith('AWS::'));
  cloudFormation.on(DescribeStacksCommand, { StackName: STACK }).resolves({
    Stacks: [
      {
        StackName: STACK,
        StackId: `arn:aws:cloudformation:eu-west-1:${location.account}:stack/${STACK}/0f1e2d3c`,
        CreationTime: new Date(),
        StackStatus: 'UPDATE_COMPLETE',
      },
    ],
  });
  cloudFormation
    .on(GetTemplateCommand, { StackName: STACK })
    .resolves({ TemplateBody: JSON.stringify(deployed) });
  cloudFormation.on(ListStackResourcesCommand).resolves({
    StackResourceSummaries: [
      ...refs.map((name) => ({
        LogicalResourceId: name,
        PhysicalResourceId: `physical-${name}`,
        ResourceType: 'AWS::S3::Bucket',
        LastUpdatedTimestamp: new Date(),
        ResourceStatus: 'CREATE_COMPLETE' as const,
      })),
      {
        LogicalResourceId: logicalId,
        PhysicalResourceId: `snowflake:${properties.database}:${properties.integrationName}`,
        ResourceType: RESOURCE,
        LastUpdatedTimestamp: new Date(),
        ResourceStatus: 'CREATE_COMPLETE' as const,
      },
    ],
  });
}

/** Snowflake as the deployed stack left it: a real Create of its properties on the recording executor. */
async function accountAfterCreate(properties: SnowpipeProperties): Promise<RecordingExecutor> {
  const account = new RecordingExecutor();
  await handleSetupEvent(
    {
      RequestType: 'Create',
      ResourceProperties: { ServiceToken: 'x', Config: JSON.stringify(properties) },
    } as unknown as CloudFormationCustomResourceEvent,
    { connect: async () => account, logger: new CapturedLogger() },
  );
  account.statements.length = 0;
  return account;
}

async function plan(account: RecordingExecutor, template = desired) {
  const lines: string[] = [];
  const result = await planSnowflake(STACK, {
    cloudFormation: new CloudFormationClient({ region: 'eu-west-1' }),
    connect: async () => account,
    desiredTemplate: () => template,
    print: (line) => lines.push(line),
  });
  return { ...result, lines };
}

describe('npm run ops -- snowflake-plan: the statements a deploy would run in Snowflake, none run', () => {
  // The deployed stack is older: one column fewer, other CLEAN models, another warehouse.
  const older = () =>
    withProperties(desired, (properties) => {
      properties.tables[0]!.columns.pop();
      properties.modelsVersion = 'older-models';
      properties.warehouse = 'OLD_WH';
    });

  it("prints exactly the statements the deploy's Update then runs, and runs none of them", async () => {
    const deployed = older();
    deploy(deployed);
    const account = await accountAfterCreate(deployedProperties(deployed));
    const planned = await plan(account);
    expect(planned.failure).toBeUndefined();
    expect(planned.requests).toEqual(['Update']);
    // Only reads reached Snowflake.
    expect(account.statements.filter((statement) => !isRead(statement))).toEqual([]);
    expect(account.statements.length).toBeGreaterThan(0);

    // The deploy itself: CloudFormation's Update with the same properties, run for real.
    await handleSetupEvent(
      {
        RequestType: 'Update',
        PhysicalResourceId: PHYSICAL_ID,
        ResourceProperties: { ServiceToken: 'x', Config: JSON.stringify(deployedProperties(desired)) },
        OldResourceProperties: { ServiceToken: 'x', Config: JSON.stringify(deployedProperties(deployed)) },
      } as unknown as CloudFormationCustomResourceEvent,
      { connect: async () => account, logger: new CapturedLogger() },
    );
    const ran = account.statements.filter((statement) => !isRead(statement));
    expect(planned.statements).toEqual(ran);
    // What it is for, in words, then the statements as a script.
    const added = deployedProperties(desired).tables[0]!.columns.at(-1)!;
    expect(planned.lines).toEqual(
      expect.arrayContaining([
        '-- modelsVersion changed',
        '-- warehouse: OLD_WH → PIPELINE_WH',
        `-- table FAKESTORE__CARTS: + ${added.name}`,
        `ALTER TABLE PIPELINE_PROD.RAW.FAKESTORE__CARTS ADD COLUMN IF NOT EXISTS ${added.name} ${snowflakeTypes[added.type]};`,
        expect.stringMatching(
          /^CREATE OR REPLACE TASK PIPELINE_PROD\.CLEAN\.STREAM__EVENTS_MERGE WAREHOUSE = PIPELINE_WH /,
        ),
        'revoke usage on warehouse OLD_WH from role PIPELINE_PROD_transformer;',
        `-- ${ran.length} statement(s) would run (Update); nothing was run`,
      ]),
    );
  });

  it('says so when the properties are the same: CloudFormation will not call the resource', async () => {
    deploy(desired);
    const account = await accountAfterCreate(deployedProperties(desired));
    const planned = await plan(account);
    expect(planned.statements).toEqual([]);
    expect(planned.lines.at(-1)).toMatch(/^-- no change/);
    expect(account.statements).toEqual([]);
  });

  it("plans a first deploy as a Create, and says it would fail over a database that is not the stack's", async () => {
    cloudFormation
      .on(DescribeStacksCommand)
      .rejects(
        Object.assign(new Error(`Stack with id ${STACK} does not exist`), { name: 'ValidationError' }),
      );
    const empty = new RecordingExecutor();
    const fresh = await plan(empty);
    expect(fresh.requests).toEqual(['Create']);
    expect(fresh.failure).toBeUndefined();
    expect(fresh.statements[0]).toMatch(/^CREATE DATABASE IF NOT EXISTS PIPELINE_PROD COMMENT = /);
    expect(empty.statements.filter((statement) => !isRead(statement))).toEqual([]);
    // A resource the deploy would add is named for what it is until it exists.
    expect(fresh.statements.join('\n')).toMatch(/s3:\/\/<BucketsTransformed\w+: not deployed yet>\//);

    const taken = new RecordingExecutor();
    taken.existing.add('PIPELINE_PROD');
    const refused = await plan(taken);
    expect(refused.failure).toMatch(
      /^DATABASE PIPELINE_PROD already exists and was not created by this stack/,
    );
    expect(refused.lines.at(-1)).toMatch(/^-- the deploy would FAIL: DATABASE PIPELINE_PROD already exists/);
    expect(refused.statements).toEqual([]);
  });

  it('plans a renamed database as CloudFormation runs it: an Update that creates the new one, then a Delete of the old', async () => {
    const deployed = withProperties(desired, (properties) => {
      properties.database = 'PIPELINE_OLD';
      properties.integrationName = 'PIPELINE_OLD_S3';
    });
    deploy(deployed);
    const account = await accountAfterCreate(deployedProperties(deployed));
    const planned = await plan(account);
    expect(planned.requests).toEqual(['Update', 'Delete']);
    expect(planned.statements[0]).toMatch(/^CREATE DATABASE IF NOT EXISTS PIPELINE_PROD /);
    // retain: the old database keeps its data; its pipes, stage, format and integration go.
    expect(planned.statements).toContain('DROP STORAGE INTEGRATION IF EXISTS PIPELINE_OLD_S3');
    expect(planned.statements).not.toContain('DROP DATABASE IF EXISTS PIPELINE_OLD');
    expect(planned.lines.join('\n')).toContain(
      'DATABASE PIPELINE_OLD (removal policy retain: its data stays)',
    );
  });
});

describe('the planning executor', () => {
  const statement = fc
    .tuple(
      fc.constantFrom(
        'SHOW',
        'show',
        'DESC',
        'describe',
        'SELECT',
        'select',
        'CREATE',
        'drop',
        'ALTER',
        'grant',
        'revoke',
        'USE',
        'INSERT',
        'MERGE',
        'DELETE',
        'CALL',
        'WITH',
        'BEGIN',
      ),
      fc.constantFrom('', ' ', '\n  '),
      fc.string(),
    )
    .map(([verb, space, rest]) => `${space}${verb} ${rest}`);

  it('never sends Snowflake anything but SHOW, DESC and SELECT, and records the rest in order', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(statement, { maxLength: 20 }),
        fc.boolean(),
        async (statements, readsFail) => {
          const account = new RecordingExecutor();
          if (readsFail) account.failOn = /./;
          const executor = new PlanningExecutor(account);
          for (const sql of statements) await executor.execute(sql);
          expect(account.statements.every((sql) => /^\s*(SHOW|DESC|DESCRIBE|SELECT) /i.test(sql))).toBe(true);
          expect(executor.planned).toEqual(
            statements.filter((sql) => !/^\s*(SHOW|DESC|DESCRIBE|SELECT) /i.test(sql)),
          );
          // A read Snowflake refuses is noted and taken as empty, never thrown.
          if (readsFail) expect(executor.unread).toHaveLength(account.statements.length);
        },
      ),
    );
  });
});

describe('resolving the template', () => {
  it('resolves Ref and Fn::Join, and names any other function it cannot', () => {
    const resolve = (name: string) => `<${name}>`;
    expect(resolveIntrinsics({ 'Fn::Join': ['-', ['a', { Ref: 'B' }, ['c']]] }, resolve)).toBe('a-<B>-c');
    expect(() => resolveIntrinsics({ 'Fn::GetAtt': ['Role', 'Arn'] }, resolve)).toThrow(
      "the Snowflake resource's properties use Fn::GetAtt, which the dry run cannot resolve",
    );
  });
});
