import type { SecretResolver } from '../../shared/secrets';
import type { SourceConfig } from '../../sources/source-config';
import { createAuthenticator, readTokenBody } from './auth';
import { RequestGate } from './request-gate';
import { SourceHttpClient, SourceHttpClientDeps } from './source-http-client';

/** What the client needs, less the gate (made here, per source), plus where secrets come from. */
export type SourceClientDeps = Omit<SourceHttpClientDeps, 'gate'> & { secrets: SecretResolver };

/** A source's HTTP client: its own gate (rate limit, concurrency), its authenticator, its retries. */
export function createSourceClient(source: SourceConfig, deps: SourceClientDeps): SourceHttpClient {
  const gate = new RequestGate({
    concurrency: source.rateLimit.concurrency,
    requestsPerMinute: source.rateLimit.requestsPerMinute,
    sleep: deps.sleep,
  });
  const client = new SourceHttpClient(source, {
    gate,
    logger: deps.logger,
    fetchImpl: deps.fetchImpl,
    sleep: deps.sleep,
    random: deps.random,
  });
  const requestToken = async (url: URL, init: { headers: Record<string, string>; body: string }) =>
    client.send({
      method: 'POST',
      url,
      headers: init.headers,
      body: init.body,
      authenticate: false,
      read: readTokenBody,
    });
  client.useAuthenticator(
    createAuthenticator(source.auth, deps.secrets, requestToken, source.name, source.baseUrl),
  );
  return client;
}
