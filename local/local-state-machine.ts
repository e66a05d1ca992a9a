import type { CfnElement } from 'aws-cdk-lib';
import { projectApp } from '../lib/project-app';
import type { IConstruct } from 'constructs';
import { StateMachine } from 'aws-local-stepfunctions';
import { environmentConfig } from '../lib/config/environments';
import { PipelineStack } from '../lib/pipeline-stack';
import { STATE } from '../lib/constructs/batch-state-machine';
import {
  allStates,
  StateMachineDefinition,
  stateMachineDefinitionFrom,
} from '../lib/state-machine-definition';
import { catalogueSources } from '../lambdas/sources';
import { isPlaceholderUrl } from '../lambdas/sources/source-settings';
import { localBuckets } from './local-buckets';
import { taskEnvironments } from './task-environments';

/**
 * The batch pipeline exactly as `cdk deploy -c env=dev` ships it, read back from the synthesized template
 * (without bundling the Lambdas, which changes neither): the state machine's definition, and the
 * environment each Task state's function gets.
 */
export interface SynthesizedPipeline {
  definition: StateMachineDefinition;
  /** By Task state name: the function's variables, with the template's references made local. */
  environments: Record<string, Record<string, string>>;
}

export function synthesizedPipeline(): SynthesizedPipeline {
  // One synthesis per process and catalogue: the app does not change while it runs.
  const overrides = localOverrides();
  const key = JSON.stringify(overrides);
  let text = synthesized.get(key);
  if (!text) synthesized.set(key, (text = JSON.stringify(synthesize(overrides))));
  // A fresh copy per run, parsed in this realm: structuredClone's objects (under jest, another realm's)
  // are not plain objects to aws-local-stepfunctions, which then leaves their JSONPaths unresolved.
  return JSON.parse(text) as SynthesizedPipeline;
}

const synthesized = new Map<string, string>();

/**
 * dev, with every source of the catalogue: locally each one has an endpoint (the fixture API), so a
 * source whose source.yml URL is a placeholder gets a loopback stand-in, replaced at run time by its
 * `PIPELINE_BASE_URL_<SOURCE>` as any endpoint is.
 */
function localOverrides(): object {
  const definitions = catalogueSources();
  const placeholders = definitions.filter((definition) => isPlaceholderUrl(definition.baseUrl ?? ''));
  return {
    sources: definitions.map((definition) => definition.name),
    sourceSettings: Object.fromEntries(
      placeholders.map((definition) => [
        definition.name,
        { baseUrl: `http://127.0.0.1/endpoint-of/${definition.name}` },
      ]),
    ),
  };
}

function synthesize(overrides: object): SynthesizedPipeline {
  // As cdk deploy builds it (cdk.json's feature flags), without bundling: the same definition.
  const app = projectApp({ bundling: false });
  const stack = new PipelineStack(app, 'Pipeline-local', {
    config: environmentConfig('dev', overrides),
    env: { account: '000000000000', region: 'us-east-1' },
  });
  const template = app.synth().getStackByName(stack.stackName).template as Record<string, unknown>;
  const definition = stateMachineDefinitionFrom(template);
  return { definition, environments: taskEnvironments(template, definition, localReferences(stack)) };
}

/**
 * What the template's references in function variables are locally: the buckets are the local S3's,
 * and the source credentials secret is none (its values come from this shell's variables).
 */
function localReferences(stack: PipelineStack): Record<string, string | null> {
  const logicalId = (construct: IConstruct) => stack.getLogicalId(construct.node.defaultChild as CfnElement);
  return {
    [logicalId(stack.buckets.raw)]: localBuckets.raw,
    [logicalId(stack.buckets.transformed)]: localBuckets.transformed,
    [logicalId(stack.buckets.failed)]: localBuckets.failed,
    [logicalId(stack.node.findChild('SourceCredentials'))]: null,
  };
}

export type TaskHandler = (input: never) => Promise<unknown>;

export interface LocalExecution {
  name: string;
  input: Record<string, unknown>;
  /** Each Task state's local handler, by state name. */
  handlers: Record<string, TaskHandler>;
  /** Pause between retries of a failed task (the definition says 1, 2, 4 s; locally shorter). */
  retryPauseMs?: number;
}

export type ExecutionOutcome = (
  { status: 'SUCCEEDED'; output: unknown } | { status: 'FAILED'; error: string; cause: string }
) & {
  /**
   * State transitions as Step Functions bills them: each state entered, each Map iteration's states
   * included, and each retry. What a run costs in Step Functions (docs/cost.md).
   */
  transitions: number;
};

/** Runs one execution of the definition with aws-local-stepfunctions, each task bound to its handler. */
export async function runExecution(
  definition: StateMachineDefinition,
  execution: LocalExecution,
): Promise<ExecutionOutcome> {
  const tasks = [...allStates(definition)].filter(([, state]) => state.Type === 'Task').map(([name]) => name);
  const unbound = tasks.filter((name) => !execution.handlers[name]);
  if (unbound.length) throw new Error(`no local handler for task state(s): ${unbound.join(', ')}`);
  const machine = new StateMachine(definition as never);
  const run = machine.run(execution.input as never, {
    overrides: {
      taskResourceLocalHandlers: execution.handlers as never,
      retryIntervalOverrides: Object.fromEntries(tasks.map((name) => [name, execution.retryPauseMs ?? 50])),
    },
    context: {
      Execution: {
        Id: `arn:aws:states:local:000000000000:execution:Pipeline-local:${execution.name}`,
        Name: execution.name,
        Input: execution.input as never,
        StartTime: new Date().toISOString(),
      },
      StateMachine: { Id: 'arn:aws:states:local:000000000000:stateMachine:Pipeline-local' },
    },
  });
  let transitions = 0;
  const counted = (async () => {
    for await (const event of run.eventLogs)
      if (event.type === 'StateEntered' || event.type === 'StateRetried') transitions += 1;
  })();
  try {
    const output: unknown = await run.result;
    await counted;
    return { status: 'SUCCEEDED', output, transitions };
  } catch (error) {
    await counted.catch(() => undefined);
    // The Fail state keeps the error name and cause of what failed (ErrorPath / CausePath).
    const failure = (error as Error & { cause?: Error }).cause ?? (error as Error);
    return { status: 'FAILED', error: failure.name, cause: failure.message, transitions };
  }
}

export { STATE };
