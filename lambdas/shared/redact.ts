/**
 * Names that look like they carry a credential, whatever the API calls them (`api_key`, `X-Auth-Token`,
 * `client_secret`, `X-Amz-Signature`, `Password`): redacted even when no source config names them.
 */
const SECRET_LOOKING_NAME = /key|token|secret|passw|signature|auth|credential/i;

/** True for a query parameter or header name whose value must never reach a log, an error or metadata. */
export function looksSecret(name: string, configured: readonly string[] = []): boolean {
  const lower = name.toLowerCase();
  return SECRET_LOOKING_NAME.test(name) || configured.some((secret) => secret.toLowerCase() === lower);
}

/**
 * URLs go into logs, errors and object metadata only through here: user-info, the query parameters a
 * source config names as secret (compared case-insensitively) and any parameter whose name looks
 * secret are replaced, so a key can never leak through a logged URL.
 */
export function redactUrl(url: URL | string, secretParams: readonly string[]): string {
  const copy = new URL(url.toString());
  copy.username = '';
  copy.password = '';
  const names = new Set(copy.searchParams.keys());
  for (const name of names) if (looksSecret(name, secretParams)) copy.searchParams.set(name, 'REDACTED');
  return copy.toString();
}

/** Log attributes that hold a credential by their very name (an S3 `key` or a `manifestKey` does not). */
const CREDENTIAL_ATTRIBUTE =
  /^(authorization|proxy-authorization|cookie|set-cookie|x-api-key|api[-_]?key|access[-_]?token|refresh[-_]?token|id[-_]?token|client[-_]?secret|password|passwd|secret|token)$/i;

/**
 * The last line of defence, in every log line's serialization: a URL anywhere is redacted, a headers
 * object loses every secret-looking value, and an attribute named like a credential is never written.
 */
export function redactLogValue(key: string, value: unknown): unknown {
  if (typeof value === 'string') {
    if (CREDENTIAL_ATTRIBUTE.test(key)) return 'REDACTED';
    if (/^https?:\/\//i.test(value)) {
      try {
        return redactUrl(value, []);
      } catch {
        return value;
      }
    }
    return value;
  }
  if (/^headers$/i.test(key) && value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const entries = value instanceof Headers ? [...value.entries()] : Object.entries(value);
    return Object.fromEntries(
      entries.map(([name, item]) => [name, looksSecret(name) ? 'REDACTED' : (item as unknown)]),
    );
  }
  return value;
}
