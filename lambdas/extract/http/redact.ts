/**
 * URLs go into logs, errors and object metadata only through here: user-info and every query parameter
 * that carries a secret are replaced, so a key can never leak through a logged URL.
 */
export function redactUrl(url: URL | string, secretParams: readonly string[]): string {
  const copy = new URL(url.toString());
  copy.username = '';
  copy.password = '';
  for (const name of secretParams) {
    if (copy.searchParams.has(name)) copy.searchParams.set(name, 'REDACTED');
  }
  return copy.toString();
}
