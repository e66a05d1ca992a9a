import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Runs each local task with the variables its Lambda function would have, and nothing else of this
 * shell's: while a run lasts, `process.env` reads the running task's variables (tasks run concurrently,
 * so each keeps its own through async calls), and this shell's outside any task (the fixture API, the
 * local Snowpipe, the printer).
 */
export class FunctionEnvironments {
  private readonly current = new AsyncLocalStorage<NodeJS.ProcessEnv>();
  private outer?: NodeJS.ProcessEnv;

  /** Puts the switching `process.env` in place until `uninstall`. */
  install(): void {
    if (this.outer) return;
    const outer = (this.outer = process.env);
    const active = () => this.current.getStore() ?? outer;
    process.env = new Proxy({} as NodeJS.ProcessEnv, {
      get: (_, name) => (typeof name === 'string' ? active()[name] : undefined),
      set: (_, name, value) => {
        if (typeof name === 'string') active()[name] = String(value);
        return true;
      },
      deleteProperty: (_, name) => (typeof name === 'string' ? delete active()[name] : true),
      has: (_, name) => typeof name === 'string' && name in active(),
      ownKeys: () => Object.keys(active()),
      getOwnPropertyDescriptor: (_, name) =>
        typeof name === 'string' && name in active()
          ? { value: active()[name], writable: true, enumerable: true, configurable: true }
          : undefined,
    });
  }

  uninstall(): void {
    if (this.outer) process.env = this.outer;
    this.outer = undefined;
  }

  /** Runs `task` seeing only `variables` as its environment (a copy: what it sets stays its own). */
  run<T>(variables: Record<string, string>, task: () => Promise<T>): Promise<T> {
    return this.current.run({ ...variables }, task);
  }
}
