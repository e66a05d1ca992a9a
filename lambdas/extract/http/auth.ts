import type { AuthConfig } from '../../sources/source-config';
import type { SecretResolver } from '../../shared/secrets';
import { AuthError, ResponseFormatError } from '../../shared/errors';
import { xmlEscape } from '../../sources/xml-body';
import { parseJsonBody } from './source-http-client';
import type { BodyVerdict } from '../../shared/body-verdict';

/** What an authenticator may change on an outgoing request. */
export interface OutgoingRequest {
  url: URL;
  headers: Record<string, string>;
  /** The request's body, when it has one (a SOAP envelope). */
  body?: string;
}

export interface Authenticator {
  apply(request: OutgoingRequest): Promise<void>;
  /** Drops cached credentials after a 401; true when a retry with fresh ones can help. */
  invalidate(): boolean;
  /** Query parameters whose values are secret, for redaction. */
  readonly secretParams: readonly string[];
}

/** A token endpoint call, made by the HTTP client with its retries but without authentication. */
export type TokenRequester = (
  url: URL,
  init: { headers: Record<string, string>; body: string },
) => Promise<{ status: number; body: Buffer; content?: TokenAnswer; unreadable?: string; attempts: number }>;

/** The part of an OAuth2 token response (RFC 6749 §5.1) the pipeline uses. */
export interface TokenAnswer {
  accessToken: string;
  expiresInSeconds?: number;
}

/** A 2xx token body is whole only if it is a JSON object with an access token; else it is retried. */
export function readTokenBody(body: Buffer): BodyVerdict<TokenAnswer> {
  const json = parseJsonBody(body);
  if (!('content' in json)) return json;
  const parsed = json.content;
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    return { problem: 'is not a JSON object' };
  const answer = parsed as { access_token?: unknown; expires_in?: unknown };
  if (typeof answer.access_token !== 'string' || !answer.access_token)
    return { problem: 'has no access_token' };
  return {
    content: {
      accessToken: answer.access_token,
      ...(typeof answer.expires_in === 'number' ? { expiresInSeconds: answer.expires_in } : {}),
    },
  };
}

export function createAuthenticator(
  config: AuthConfig,
  secrets: SecretResolver,
  requestToken: TokenRequester,
  sourceName: string,
  baseUrl: string,
): Authenticator {
  switch (config.type) {
    case 'none':
      return { apply: async () => undefined, invalidate: () => false, secretParams: [] };
    case 'api_key':
      return {
        secretParams: config.in === 'query' ? [config.name] : [],
        invalidate: () => false,
        async apply(request) {
          const key = await secrets.resolve(config.value.secret);
          if (config.in === 'header') request.headers[config.name] = key;
          else request.url.searchParams.set(config.name, key);
        },
      };
    case 'basic':
      return {
        secretParams: [],
        invalidate: () => false,
        async apply(request) {
          const { username, password } = await usernameAndPassword(config, secrets);
          request.headers.authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
        },
      };
    case 'wsse_username_token':
      return {
        secretParams: [],
        invalidate: () => false,
        async apply(request) {
          const { username, password } = await usernameAndPassword(config, secrets);
          if (request.body === undefined)
            throw new AuthError(
              `source ${sourceName}: WS-Security needs a SOAP envelope to carry it, and the request has no body`,
              { source: sourceName },
              'give the resource a request.body (its SOAP envelope), or choose another auth type',
            );
          request.body = withSecurityHeader(request.body, username, password, sourceName);
        },
      };
    case 'oauth2_client_credentials':
      // A relative token URL is resolved against the source's base URL, so one override moves both.
      return new ClientCredentialsAuthenticator(
        { ...config, tokenUrl: new URL(config.tokenUrl, `${baseUrl.replace(/\/$/, '')}/`).toString() },
        secrets,
        requestToken,
        sourceName,
      );
  }
}

/** A user name (written, or a secret) and a password (a secret), as Basic and WS-Security take them. */
async function usernameAndPassword(
  config: { username: string | { secret: string }; password: { secret: string } },
  secrets: SecretResolver,
): Promise<{ username: string; password: string }> {
  const username =
    typeof config.username === 'string' ? config.username : await secrets.resolve(config.username.secret);
  return { username, password: await secrets.resolve(config.password.secret) };
}

interface CachedToken {
  accessToken: string;
  /** Epoch ms after which the token is no longer used (expiry less the configured skew). */
  useUntil: number;
}

/** Tokens outlive one invocation: a warm Lambda container reuses them until shortly before expiry. */
const tokenCache = new Map<string, CachedToken>();

export function clearTokenCache(): void {
  tokenCache.clear();
}

type ClientCredentialsConfig = Extract<AuthConfig, { type: 'oauth2_client_credentials' }>;

class ClientCredentialsAuthenticator implements Authenticator {
  readonly secretParams = [];
  private readonly cacheKey: string;
  private pending?: Promise<CachedToken>;

  constructor(
    private readonly config: ClientCredentialsConfig,
    private readonly secrets: SecretResolver,
    private readonly requestToken: TokenRequester,
    private readonly sourceName: string,
    private readonly now: () => number = Date.now,
  ) {
    this.cacheKey = `${config.tokenUrl}|${config.clientId.secret}`;
  }

  async apply(request: OutgoingRequest): Promise<void> {
    let token = tokenCache.get(this.cacheKey);
    if (!token || token.useUntil <= this.now()) {
      // Concurrent requests share one token request instead of each fetching their own.
      this.pending ??= this.fetchToken().finally(() => (this.pending = undefined));
      token = await this.pending;
    }
    request.headers.authorization = `Bearer ${token.accessToken}`;
  }

  invalidate(): boolean {
    tokenCache.delete(this.cacheKey);
    return true;
  }

  private async fetchToken(): Promise<CachedToken> {
    const clientId = await this.secrets.resolve(this.config.clientId.secret);
    const clientSecret = await this.secrets.resolve(this.config.clientSecret.secret);
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (this.config.scope) form.set('scope', this.config.scope);
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
    if (this.config.clientAuth === 'basic') {
      const encode = (value: string) => encodeURIComponent(value);
      headers.authorization = `Basic ${Buffer.from(`${encode(clientId)}:${encode(clientSecret)}`).toString('base64')}`;
    } else {
      form.set('client_id', clientId);
      form.set('client_secret', clientSecret);
    }
    const tokenUrl = new URL(this.config.tokenUrl);
    const answer = await this.requestToken(tokenUrl, { headers, body: form.toString() });
    const context = { source: this.sourceName, url: tokenUrl.toString(), status: answer.status };
    if (answer.status < 200 || answer.status >= 300) {
      throw new AuthError(
        `the token endpoint refused the client credentials (HTTP ${answer.status})`,
        context,
        `check ${this.config.clientId.secret} and ${this.config.clientSecret.secret}`,
      );
    }
    if (answer.unreadable || !answer.content) {
      throw new ResponseFormatError(
        `the token endpoint's answer ${answer.unreadable ?? 'could not be read'} on every one of ${answer.attempts} attempts`,
        context,
        'check the tokenUrl of the source, or re-run later if the token endpoint is failing',
      );
    }
    // RFC 6749 makes expires_in optional; without it, assume a short hour and let a 401 refresh it.
    const expiresInSeconds = answer.content.expiresInSeconds ?? 3600;
    const token = {
      accessToken: answer.content.accessToken,
      useUntil: this.now() + Math.max(0, expiresInSeconds - this.config.expirySkewSeconds) * 1000,
    };
    tokenCache.set(this.cacheKey, token);
    return token;
  }
}

const WSSE_NAMESPACE = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd';
const PASSWORD_TEXT =
  'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText';

/**
 * The envelope with a WS-Security UsernameToken (OASIS, PasswordText) in its Header: into the Header
 * when the envelope has one, else in a new Header right after the Envelope's start tag, with the
 * envelope's own prefix.
 */
export function withSecurityHeader(
  envelope: string,
  username: string,
  password: string,
  sourceName: string,
): string {
  const start = /<(?:([A-Za-z_][\w.-]*):)?Envelope\b[^>]*>/.exec(envelope);
  if (!start)
    throw new AuthError(
      `source ${sourceName}: WS-Security needs a SOAP envelope, and the request body has no Envelope element`,
      { source: sourceName },
      'make request.body a SOAP envelope (<soap:Envelope …><soap:Body>…</soap:Body></soap:Envelope>)',
    );
  const prefix = start[1] ? `${start[1]}:` : '';
  const security =
    `<wsse:Security xmlns:wsse="${WSSE_NAMESPACE}"><wsse:UsernameToken>` +
    `<wsse:Username>${xmlEscape(username)}</wsse:Username>` +
    `<wsse:Password Type="${PASSWORD_TEXT}">${xmlEscape(password)}</wsse:Password>` +
    '</wsse:UsernameToken></wsse:Security>';
  const header = new RegExp(`<${prefix}Header\\b[^>]*?(/?)>`).exec(envelope);
  if (header) {
    const at = header.index + header[0].length;
    return header[1] === '/'
      ? `${envelope.slice(0, header.index)}<${prefix}Header>${security}</${prefix}Header>${envelope.slice(at)}`
      : `${envelope.slice(0, at)}${security}${envelope.slice(at)}`;
  }
  const at = start.index + start[0].length;
  return `${envelope.slice(0, at)}<${prefix}Header>${security}</${prefix}Header>${envelope.slice(at)}`;
}
