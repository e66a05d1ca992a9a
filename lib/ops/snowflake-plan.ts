import {
  CloudFormationClient,
  DescribeStacksCommand,
  GetTemplateCommand,
  paginateListStackResources,
} from '@aws-sdk/client-cloudformation';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { handleSetupEvent, HandlerDeps } from '../../lambdas/snowflake-setup/handler';
import type { PipelineLogger } from '../../lambdas/shared/logger';
import type { SnowpipeProperties } from '../../lambdas/warehouse/snowpipe-objects';
import { OperatorError } from './operator-error';
import { PlanningExecutor } from './planning-executor';
import { describeChanges } from './snowflake-changes';

/** The custom resource that provisions Snowflake (lib/constructs/snowpipe-integration.ts). */
const RESOURCE_TYPE = 'Custom::SnowpipeIntegration';

/** The part of a CloudFormation template the plan reads. */
export interface StackTemplate {
  Resources?: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
}

/** Where the stack runs, from its ARN: the values of the template's pseudo parameters. */
export interface StackLocation {
  partition: string;
  region: string;
  account: string;
}

export interface SnowflakePlanDeps {
  cloudFormation: CloudFormationClient;
  /** Opens Snowflake with the secret the properties name (the deploy's own credentials). */
  connect: HandlerDeps['connect'];
  /** The template this checkout would deploy, synthesized for the stack's account and region if known. */
  desiredTemplate(location?: StackLocation): StackTemplate;
  print(line: string): void;
}

export interface SnowflakePlan {
  /** What CloudFormation would ask of the custom resource; a replacement is a Create, then a Delete. */
  requests: Array<'Create' | 'Update' | 'Delete'>;
  /** Every statement that would change Snowflake, in order. */
  statements: string[];
  /** Why the deploy would fail, if it would. */
  failure?: string;
}

interface DeployedStack {
  stackId: string;
  location: StackLocation;
  template: StackTemplate;
  physicalIds: Map<string, string>;
}

/**
 * The dry run of `cdk deploy` on the Snowflake side: the custom resource's properties as deployed (from
 * CloudFormation) and as this checkout would deploy them (synthesized), handed to the setup handler
 * itself — the same code the deploy runs — with an executor that reads the account but records every
 * other statement instead of running it. Prints the statements as a SQL script.
 */
export async function planSnowflake(stackName: string, deps: SnowflakePlanDeps): Promise<SnowflakePlan> {
  const deployed = await deployedStack(stackName, deps.cloudFormation);
  deps.print(
    `-- ${stackName}: ${deployed ? 'deployed' : 'not deployed yet'}; synthesizing this checkout's template (no bundling)…`,
  );
  const desired = deps.desiredTemplate(deployed?.location);
  const resolve = refResolver(stackName, deployed);
  const before = deployed && snowflakeResource(deployed.template, resolve);
  const after = snowflakeResource(desired, resolve);
  if (!before && !after) {
    deps.print(`-- ${stackName} has no Snowflake side, before or after: nothing to plan`);
    return { requests: [], statements: [] };
  }
  if (before && after && JSON.stringify(before.properties) === JSON.stringify(after.properties)) {
    deps.print(
      '-- no change: the Snowflake resource has the same properties, so CloudFormation will not call it',
    );
    return { requests: [], statements: [] };
  }
  for (const line of describeChanges(before?.properties, after?.properties)) deps.print(`-- ${line}`);

  const plan: SnowflakePlan = { requests: [], statements: [] };
  const oldId = before && deployed!.physicalIds.get(before.logicalId);
  let request: CloudFormationCustomResourceEvent | undefined;
  if (after && before && oldId)
    request = event('Update', after.config, oldId, { OldResourceProperties: { Config: before.config } });
  else if (after) request = event('Create', after.config, '');
  else request = event('Delete', before!.config, oldId ?? '');
  const answer = await planRequest(request, deps, plan);
  // An Update that answers a new physical id is a replacement: CloudFormation then deletes the old one.
  if (answer && request.RequestType === 'Update' && answer !== oldId) {
    deps.print(`-- a replacement (${oldId} → ${answer}): CloudFormation then deletes the old one`);
    await planRequest(event('Delete', before!.config, oldId!), deps, plan);
  }
  deps.print(
    plan.failure
      ? `-- the deploy would FAIL: ${plan.failure}`
      : `-- ${plan.statements.length} statement(s) would run (${plan.requests.join(', then ')}); nothing was run`,
  );
  return plan;
}

/** One request to the handler with the planning executor; its statements are printed as they come. */
async function planRequest(
  request: CloudFormationCustomResourceEvent,
  deps: SnowflakePlanDeps,
  plan: SnowflakePlan,
): Promise<string | undefined> {
  plan.requests.push(request.RequestType);
  deps.print(
    `-- ${request.RequestType}${request.RequestType === 'Create' ? '' : ` of ${request.PhysicalResourceId}`}`,
  );
  const executors: PlanningExecutor[] = [];
  try {
    const answer = await handleSetupEvent(request, {
      async connect(properties) {
        const executor = new PlanningExecutor(await deps.connect(properties));
        executors.push(executor);
        return executor;
      },
      logger: planLogger(deps.print),
      planOnly: true,
    });
    return answer.PhysicalResourceId;
  } catch (error) {
    plan.failure = (error as Error).message;
    return undefined;
  } finally {
    for (const executor of executors) {
      for (const statement of executor.planned)
        deps.print(statement.endsWith(';') ? statement : `${statement};`);
      for (const { statement, error } of executor.unread)
        deps.print(`-- could not read (taken as nothing there): ${statement} — ${error}`);
      plan.statements.push(...executor.planned);
    }
  }
}

function event(
  type: 'Create' | 'Update' | 'Delete',
  config: string,
  physicalId: string,
  extra: object = {},
): CloudFormationCustomResourceEvent {
  return {
    RequestType: type,
    ResourceType: RESOURCE_TYPE,
    ResourceProperties: { ServiceToken: 'dry-run', Config: config },
    PhysicalResourceId: physicalId,
    ...extra,
  } as unknown as CloudFormationCustomResourceEvent;
}

/** What the setup says while planning: its warnings (what it would leave, what it would refuse) as comments. */
function planLogger(print: (line: string) => void): PipelineLogger {
  const note = (message: string, ...data: unknown[]) => {
    // The failure itself is printed once, as the plan's outcome.
    if (data.some((item) => item instanceof Error)) return;
    print(
      `-- note: ${message}${data.length ? ` ${JSON.stringify(data.length === 1 ? data[0] : data)}` : ''}`,
    );
  };
  const quiet = () => undefined;
  return { debug: quiet, info: quiet, warn: note, error: note } as unknown as PipelineLogger;
}

async function deployedStack(
  stackName: string,
  cloudFormation: CloudFormationClient,
): Promise<DeployedStack | undefined> {
  let stackId: string | undefined;
  try {
    const answer = await cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
    stackId = answer.Stacks?.[0]?.StackId;
  } catch (error) {
    if (/does not exist/.test((error as Error).message)) return undefined;
    throw error;
  }
  if (!stackId) return undefined;
  const [, partition, , region, account] = stackId.split(':');
  const body = (await cloudFormation.send(new GetTemplateCommand({ StackName: stackName }))).TemplateBody;
  let template: StackTemplate;
  try {
    template = JSON.parse(body ?? '{}') as StackTemplate;
  } catch {
    throw new OperatorError(
      `the deployed template of ${stackName} is not JSON (deployed by something other than cdk?): the plan reads the template cdk deploys`,
    );
  }
  const physicalIds = new Map<string, string>();
  for await (const page of paginateListStackResources({ client: cloudFormation }, { StackName: stackName }))
    for (const resource of page.StackResourceSummaries ?? [])
      if (resource.PhysicalResourceId)
        physicalIds.set(resource.LogicalResourceId!, resource.PhysicalResourceId);
  return {
    stackId,
    location: { partition: partition!, region: region!, account: account! },
    template,
    physicalIds,
  };
}

/** A `Ref`'s value: a pseudo parameter from the stack's ARN, or a deployed resource's physical id. */
function refResolver(stackName: string, deployed?: DeployedStack): (name: string) => string {
  const location = deployed?.location;
  const pseudo: Record<string, string | undefined> = {
    'AWS::Partition': location?.partition,
    'AWS::Region': location?.region,
    'AWS::AccountId': location?.account,
    'AWS::StackName': stackName,
    'AWS::StackId': deployed?.stackId,
    'AWS::URLSuffix': location && (location.partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com'),
  };
  return (name) =>
    pseudo[name] ??
    deployed?.physicalIds.get(name) ??
    // A resource this deploy would add: its name is known only once it exists.
    `<${name}: not deployed yet>`;
}

/** The Snowflake custom resource of a template, with its properties resolved. */
function snowflakeResource(
  template: StackTemplate,
  resolve: (name: string) => string,
): { logicalId: string; config: string; properties: SnowpipeProperties } | undefined {
  const found = Object.entries(template.Resources ?? {}).find(
    ([, resource]) => resource.Type === RESOURCE_TYPE,
  );
  if (!found) return undefined;
  const [logicalId, resource] = found;
  const config = resolveIntrinsics(resource.Properties?.Config, resolve);
  if (typeof config !== 'string')
    throw new OperatorError(
      `${logicalId}'s Config is not one JSON document: was it deployed by this project?`,
    );
  return { logicalId, config, properties: JSON.parse(config) as SnowpipeProperties };
}

/** The template functions the custom resource's properties use (Ref, Fn::Join), resolved to strings. */
export function resolveIntrinsics(value: unknown, resolveRef: (name: string) => string): unknown {
  if (Array.isArray(value)) return value.map((item) => resolveIntrinsics(item, resolveRef));
  if (!value || typeof value !== 'object') return value;
  const entries = Object.entries(value);
  const [key, argument] = entries[0] ?? [];
  if (entries.length === 1 && key === 'Ref') return resolveRef(String(argument));
  if (entries.length === 1 && key === 'Fn::Join') {
    const [separator, parts] = argument as [string, unknown[]];
    return parts.map((part) => resolveIntrinsics(part, resolveRef)).join(separator);
  }
  if (entries.length === 1 && key!.startsWith('Fn::'))
    throw new OperatorError(
      `the Snowflake resource's properties use ${key}, which the dry run cannot resolve: only Ref and Fn::Join`,
    );
  return Object.fromEntries(entries.map(([name, item]) => [name, resolveIntrinsics(item, resolveRef)]));
}
