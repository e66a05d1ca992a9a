import { App } from 'aws-cdk-lib';
import { StateMachine } from 'aws-local-stepfunctions';
import { environmentConfig } from '../lib/config/environments';
import { PipelineStack } from '../lib/pipeline-stack';
import { STATE } from '../lib/constructs/batch-state-machine';
import {
  allStates,
  StateMachineDefinition,
  stateMachineDefinitionFrom,
} from '../lib/state-machine-definition';

/**
 * The batch state machine exactly as `cdk deploy -c env=dev` ships it: the app is synthesized (without
 * bundling the Lambdas, which changes nothing in the definition) and the definition read back from the
 * template.
 */
export function synthesizedDefinition(): StateMachineDefinition {
  // One synthesis per process: the app does not change while it runs (a second run reuses it).
  synthesized ??= JSON.stringify(synthesize());
  // A fresh copy per run, parsed in this realm: structuredClone's objects (under jest, another realm's)
  // are not plain objects to aws-local-stepfunctions, which then leaves their JSONPaths unresolved.
  return JSON.parse(synthesized) as StateMachineDefinition;
}

let synthesized: string | undefined;

function synthesize(): StateMachineDefinition {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new PipelineStack(app, 'Pipeline-local', {
    config: environmentConfig('dev'),
    env: { account: '000000000000', region: 'us-east-1' },
  });
  const template = app.synth().getStackByName(stack.stackName).template as Record<string, unknown>;
  return stateMachineDefinitionFrom(template);
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

export type ExecutionOutcome =
  { status: 'SUCCEEDED'; output: unknown } | { status: 'FAILED'; error: string; cause: string };

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
  try {
    return { status: 'SUCCEEDED', output: await run.result };
  } catch (error) {
    // The Fail state keeps the error name and cause of what failed (ErrorPath / CausePath).
    const failure = (error as Error & { cause?: Error }).cause ?? (error as Error);
    return { status: 'FAILED', error: failure.name, cause: failure.message };
  }
}

export { STATE };
