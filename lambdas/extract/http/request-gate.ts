/**
 * The per-source limits on calls to an API: at most `concurrency` requests in flight, and requests
 * started no closer together than the `requestsPerMinute` allows. Every request of a source, whatever
 * resource or partition it serves, passes through the source's one gate.
 */
export interface RequestGateOptions {
  concurrency: number;
  requestsPerMinute?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

export class RequestGate {
  private inFlight = 0;
  private readonly waiting: Array<() => void> = [];
  private nextStartAt = 0;
  private readonly spacingMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;

  constructor(private readonly options: RequestGateOptions) {
    this.spacingMs = options.requestsPerMinute ? 60_000 / options.requestsPerMinute : 0;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.now = options.now ?? Date.now;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    await this.acquireSlot();
    try {
      await this.awaitRateSlot();
      return await task();
    } finally {
      this.release();
    }
  }

  private async acquireSlot(): Promise<void> {
    if (this.inFlight < this.options.concurrency) {
      this.inFlight += 1;
      return;
    }
    // The releasing task hands its slot straight to us, so inFlight stays unchanged.
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.inFlight -= 1;
  }

  private async awaitRateSlot(): Promise<void> {
    if (this.spacingMs === 0) return;
    const now = this.now();
    const startAt = Math.max(now, this.nextStartAt);
    this.nextStartAt = startAt + this.spacingMs;
    if (startAt > now) await this.sleep(startAt - now);
  }
}
