/**
 * Fault switches of the fixture API, so tests and `npm start -- --fault …` can watch the pipeline
 * recover (or fail clearly). Each rule fires `times` times on matching requests, after skipping `after`.
 *
 * 429/500/502/503: that status. slow: the answer held back. truncate: half the body promised by
 * Content-Length, then a reset. cut_short: half the body, chunked, ending cleanly (no error at all).
 * wrong_shape: a 200 with valid JSON of another shape. html: a 200 HTML error page. empty: a 200
 * with no body. redirect_away: a 302 to another origin (the fixture's "elsewhere" server). reset: the
 * connection dropped. expire_token: every OAuth2 token forgotten. repeat_cursor: a cursor handed out twice.
 */
export const faultKinds = [
  '429',
  '500',
  '502',
  '503',
  'slow',
  'truncate',
  'cut_short',
  'wrong_shape',
  'html',
  'empty',
  'redirect_away',
  'reset',
  'expire_token',
  'repeat_cursor',
] as const;
export type FaultKind = (typeof faultKinds)[number];

/** Faults that replace a 200 answer's body (the request itself is served as usual first). */
export const bodyFaultKinds = ['truncate', 'cut_short', 'wrong_shape', 'html', 'empty'] as const;

export interface FaultRule {
  kind: FaultKind;
  /** Only requests whose path starts with this (default: every request). */
  path?: string;
  /** How many matching requests the fault hits (default 1; Infinity for every one). */
  times?: number;
  /** Matching requests let through before the fault starts. */
  after?: number;
  /** For 429: the Retry-After header, in seconds (default 1). */
  retryAfterSeconds?: number;
  /** For slow: how long the response is held back (default 5000 ms). */
  delayMs?: number;
}

interface ActiveRule extends FaultRule {
  seen: number;
  fired: number;
}

export class FaultInjector {
  private rules: ActiveRule[] = [];

  add(rule: FaultRule): void {
    this.rules.push({ ...rule, seen: 0, fired: 0 });
  }

  clear(): void {
    this.rules = [];
  }

  /** The first rule of one of `kinds` that fires for this request, counting the request against it. */
  take(path: string, kinds: readonly FaultKind[]): FaultRule | undefined {
    for (const rule of this.rules) {
      if (!kinds.includes(rule.kind) || !path.startsWith(rule.path ?? '/')) continue;
      rule.seen += 1;
      if (rule.seen <= (rule.after ?? 0) || rule.fired >= (rule.times ?? 1)) continue;
      rule.fired += 1;
      return rule;
    }
    return undefined;
  }

  /** How many times each rule fired, for tests that assert a fault really happened. */
  fired(): Array<{ kind: FaultKind; fired: number }> {
    return this.rules.map((rule) => ({ kind: rule.kind, fired: rule.fired }));
  }
}
