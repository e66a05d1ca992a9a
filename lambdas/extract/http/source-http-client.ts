import type { SourceConfig, ResponseAction } from '../../sources/source-config';
import type { Authenticator } from './auth';
import type { RequestGate } from './request-gate';
import type { PipelineLogger } from '../../shared/logger';
import {
  AuthError,
  ConfigError,
  HttpStatusError,
  PipelineError,
  RateLimitError,
  TransportError,
} from '../../shared/errors';
import { backoffDelayMs, retryAfterMs } from './backoff';
import { looksSecret, redactUrl } from '../../shared/redact';
import type { BodyVerdict } from '../../shared/body-verdict';

export interface HttpResult<T = unknown> {
  status: number;
  headers: Headers;
  /** The body exactly as received. */
  body: Buffer;
  /** The request URL without secrets: safe to log and to store in object metadata. */
  safeUrl: string;
  /** How many attempts this result took (1 when the first one succeeded). */
  attempts: number;
  /** True when the source's actions say to treat this status as an empty page. */
  ignored: boolean;
  /** From the first attempt to the answer, backoff included. */
  durationMs: number;
  /** What the request's `read` made of a 2xx body. */
  content?: T;
  /** Why the 2xx body could not be read, on the last of every allowed attempt (the bytes are kept in `body`). */
  unreadable?: string;
}

/** A body parsed as JSON, or why it is not JSON (an empty body said as such, the parser's words short). */
export function parseJsonBody(body: Buffer): BodyVerdict<unknown> {
  try {
    return { content: JSON.parse(body.toString('utf8')) as unknown };
  } catch (error) {
    const reason = body.length === 0 ? 'the body is empty' : (error as Error).message.slice(0, 160);
    return { problem: `is not valid JSON (${reason})` };
  }
}

export interface HttpRequest<T = unknown> {
  method?: 'GET' | 'POST';
  url: URL;
  headers?: Record<string, string>;
  body?: string;
  /** Where the request belongs, for errors and logs. */
  resource?: string;
  authenticate?: boolean;
  /**
   * Reads a 2xx body. A chunked 200 cut short ends without any transport error, so only parsing proves
   * a body whole: a problem is retried like a transport failure, and after the last attempt the result
   * carries it as `unreadable`.
   */
  read?: (body: Buffer) => BodyVerdict<T>;
  /** The API's own words for a failure, from the body it failed with (a SOAP Fault), for the error. */
  explainFailure?: (body: Buffer) => string | undefined;
}

/** Redirects followed before a request fails (fetch's own limit is 20; an API needs one or two). */
const MAX_REDIRECTS = 5;

export interface SourceHttpClientDeps {
  gate: RequestGate;
  logger: PipelineLogger;
  fetchImpl?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The one way requests reach a source's API: gate (concurrency + rate limit), authentication, timeout,
 * the per-status actions, and exponential backoff with jitter that honours Retry-After. Bodies are read
 * inside the attempt, so a truncated body or a reset mid-body is retried like any transport failure.
 */
export class SourceHttpClient {
  private auth?: Authenticator;
  private readonly fetchImpl: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(
    private readonly source: SourceConfig,
    private readonly deps: SourceHttpClientDeps,
  ) {
    this.fetchImpl = deps.fetchImpl ?? fetch;
    this.sleep = deps.sleep ?? defaultSleep;
    this.random = deps.random ?? Math.random;
  }

  /** The authenticator needs this client (for token requests), so it is attached after construction. */
  useAuthenticator(auth: Authenticator): void {
    this.auth = auth;
  }

  safeUrl(url: URL): string {
    return redactUrl(url, this.auth?.secretParams ?? []);
  }

  async send<T = unknown>(request: HttpRequest<T>): Promise<HttpResult<T>> {
    const { maxAttempts, baseDelayMs, maxDelayMs } = this.source.retry;
    const startedAt = performance.now();
    let safeUrl = this.safeUrl(request.url);
    const context = {
      source: this.source.name,
      resource: request.resource,
      url: safeUrl,
      ...(request.method && request.method !== 'GET' ? { method: request.method } : {}),
    };
    let refreshedCredentials = false;

    for (let attempt = 1; ; attempt += 1) {
      let outcome: AttemptOutcome;
      try {
        outcome = await this.deps.gate.run(() => this.attempt(request));
      } catch (error) {
        if (error instanceof PipelineError) throw error; // auth and config failures are not transient
        const reason = describeTransportFailure(error);
        if (attempt >= maxAttempts) {
          throw new TransportError(
            `${reason} on every one of ${attempt} attempts`,
            { ...context, attempts: attempt },
            'check that the API is reachable from here; raise timeoutMs or retry.maxAttempts if it is just slow',
            { cause: error },
          );
        }
        const delayMs = backoffDelayMs(attempt, baseDelayMs, maxDelayMs, this.random);
        this.deps.logger.warn('request failed, retrying', { ...context, attempt, reason, delayMs });
        await this.sleep(delayMs);
        continue;
      }

      const { status } = outcome;
      // The URL as sent (query-string keys included), with the secrets replaced.
      safeUrl = context.url = this.safeUrl(outcome.sentUrl);
      // A token request's 4xx goes back to the authenticator, which knows which secrets to name.
      const action =
        request.authenticate === false && status >= 400 && status < 500 && status !== 429
          ? 'ok'
          : this.actionFor(status);
      const result: HttpResult<T> = {
        status,
        headers: outcome.headers,
        body: outcome.body,
        safeUrl,
        attempts: attempt,
        ignored: action === 'ignore',
        durationMs: Math.round(performance.now() - startedAt),
      };
      if (action === 'ignore') return result;
      if (action === 'ok') {
        if (!request.read || status < 200 || status >= 300) return result;
        const verdict = request.read(outcome.body);
        if ('content' in verdict) return { ...result, content: verdict.content };
        if (attempt >= maxAttempts) return { ...result, unreadable: verdict.problem };
        const delayMs = backoffDelayMs(attempt, baseDelayMs, maxDelayMs, this.random);
        this.deps.logger.warn('response body unreadable, retrying', {
          ...context,
          status,
          attempt,
          problem: verdict.problem,
          delayMs,
        });
        await this.sleep(delayMs);
        continue;
      }

      if (action === 'refresh_token' && !refreshedCredentials && this.auth?.invalidate()) {
        refreshedCredentials = true;
        attempt -= 1; // a credential refresh is not a failed attempt
        this.deps.logger.info('credentials rejected, refreshing token once', { ...context, status });
        continue;
      }
      if (action === 'retry' && attempt < maxAttempts) {
        const serverDelay = retryAfterMs(outcome.headers.get('retry-after'));
        const delayMs = Math.max(
          serverDelay ?? 0,
          backoffDelayMs(attempt, baseDelayMs, maxDelayMs, this.random),
        );
        this.deps.logger.warn('retryable status, backing off', { ...context, status, attempt, delayMs });
        await this.sleep(delayMs);
        continue;
      }
      const failure = this.failure(
        status,
        action,
        { ...context, status, attempts: attempt },
        request.explainFailure?.(outcome.body),
      );
      if (outcome.redirectedTo && failure instanceof AuthError)
        throw new AuthError(
          `the API redirected to another origin (${outcome.redirectedTo}), which answered HTTP ${status}: credentials are never sent to another origin`,
          { ...context, status, attempts: attempt },
          'point the source baseUrl at the address the API redirects to if that origin is trusted, or ask the API owner why it redirects',
        );
      throw failure;
    }
  }

  /**
   * One attempt, following redirects by hand: within the request's origin with its credentials, to
   * another origin without them (no auth header, no secret-looking header). Node's own `fetch` drops
   * `Authorization` there but forwards a custom header such as `X-API-Key`.
   */
  private async attempt(request: HttpRequest<unknown>): Promise<AttemptOutcome> {
    const url = new URL(request.url);
    const plainHeaders: Record<string, string> = {
      accept: 'application/json',
      'user-agent': 'api-snowflake-pipeline/0.1',
      ...this.source.headers,
      ...request.headers,
    };
    const credentials: Record<string, string> = {};
    // Credentials may go in the body too (WS-Security in a SOAP envelope): never logged, and a body is
    // never sent to another origin (below).
    const outgoing = { url, headers: credentials, body: request.body };
    if (request.authenticate !== false) await this.auth?.apply(outgoing);
    const origin = url.origin;
    let target = url;
    let method = request.method ?? 'GET';
    let body = outgoing.body;
    let leftOrigin = false;
    for (let hop = 0; ; hop += 1) {
      const headers = leftOrigin
        ? Object.fromEntries(Object.entries(plainHeaders).filter(([name]) => !looksSecret(name)))
        : { ...plainHeaders, ...credentials };
      const response = await this.fetchImpl(target, {
        method,
        headers,
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.source.timeoutMs),
      });
      const location = response.headers.get('location');
      if (!REDIRECT_STATUSES.has(response.status) || !location) {
        const received = Buffer.from(await response.arrayBuffer());
        return {
          status: response.status,
          headers: response.headers,
          body: received,
          sentUrl: url,
          ...(leftOrigin ? { redirectedTo: this.safeUrl(target) } : {}),
        };
      }
      await response.body?.cancel();
      const next = new URL(location, target);
      const context = { source: this.source.name, resource: request.resource, url: this.safeUrl(url) };
      if (hop >= MAX_REDIRECTS)
        throw new HttpStatusError(
          `the API redirected more than ${MAX_REDIRECTS} times (last to ${this.safeUrl(next)})`,
          { ...context, status: response.status },
          'point the source baseUrl (or tokenUrl) at the final address',
        );
      // 303, and 301/302 after a POST, turn into a GET without a body (the Fetch standard's rule).
      if (
        response.status === 303 ||
        ((response.status === 301 || response.status === 302) && method === 'POST')
      ) {
        method = 'GET';
        body = undefined;
      }
      if (next.origin !== origin && !leftOrigin) {
        if (body !== undefined)
          throw new ConfigError(
            `the API redirected a request with a body to another origin (${next.origin}); its credentials are not sent there`,
            context,
            'point the source baseUrl (or tokenUrl) at the final address if that origin is trusted',
          );
        leftOrigin = true;
        this.deps.logger.warn('redirect to another origin followed without credentials', {
          ...context,
          to: this.safeUrl(next),
        });
      }
      target = next;
    }
  }

  private actionFor(status: number): ResponseAction | 'ok' {
    const family = status >= 500 ? '5xx' : status >= 400 ? '4xx' : undefined;
    const configured =
      this.source.responseActions.find((rule) => rule.status === status) ??
      this.source.responseActions.find((rule) => rule.status === family);
    if (configured) return configured.action;
    if (status >= 200 && status < 300) return 'ok';
    if (status === 401) return 'refresh_token';
    if (status === 408 || status === 429 || status >= 500) return 'retry';
    return 'fail';
  }

  private failure(
    status: number,
    action: ResponseAction,
    context: ConstructorParameters<typeof HttpStatusError>[1],
    explanation?: string,
  ) {
    const said = explanation ? `: ${explanation}` : '';
    if (status === 401 || status === 403) {
      return new AuthError(
        `the API refused the credentials (HTTP ${status})${action === 'refresh_token' ? ' even after a fresh token' : ''}${said}`,
        context,
        'check the secret named in the source auth config: it may be wrong, expired or lack permission',
      );
    }
    if (status === 429) {
      return new RateLimitError(
        `the API kept rate-limiting (HTTP 429) after ${context.attempts} attempts`,
        context,
        'lower rateLimit.requestsPerMinute or concurrency for this source, or raise retry.maxAttempts',
      );
    }
    const retried = action === 'retry' ? ` after ${context.attempts} attempts` : '';
    return new HttpStatusError(
      `the API answered HTTP ${status}${retried}${said}`,
      context,
      status >= 500
        ? 'the API is failing; re-run the batch later (raw pages already landed are overwritten, not duplicated)'
        : 'check the resource path and parameters; add a responseActions rule if this status is expected',
    );
  }
}

interface AttemptOutcome {
  status: number;
  headers: Headers;
  body: Buffer;
  sentUrl: URL;
  /** Where a redirect to another origin led (without credentials). */
  redirectedTo?: string;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

function describeTransportFailure(error: unknown): string {
  const err = error as Error & { cause?: { code?: string; message?: string } };
  if (err.name === 'TimeoutError') return 'the request timed out';
  const code = err.cause?.code;
  return code ? `transport error ${code}` : `transport error: ${err.message}`;
}
