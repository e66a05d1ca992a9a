import { looksSecret, redactUrl } from '../../lambdas/extract/http/redact';

describe('URL redaction', () => {
  it('redacts the configured secret parameter whatever its case', () => {
    expect(redactUrl('https://api.example.com/v1?ApiKey=s3cret&page=2', ['apikey'])).toBe(
      'https://api.example.com/v1?ApiKey=REDACTED&page=2',
    );
  });

  it.each([
    'api_key',
    'access_token',
    'client_secret',
    'Password',
    'X-Amz-Signature',
    'auth',
    'sessionToken',
  ])('redacts %s, a name that looks secret, even when no config names it', (name) => {
    const safe = redactUrl(`https://api.example.com/v1?${name}=s3cret&limit=10`, []);
    expect(safe).not.toContain('s3cret');
    expect(safe).toContain('limit=10');
  });

  it('removes user-info and keeps ordinary parameters', () => {
    expect(redactUrl('https://user:pw@api.example.com/v1?year=2019&cursor=abc', [])).toBe(
      'https://api.example.com/v1?year=2019&cursor=abc',
    );
  });

  it('knows secret-looking header names case-insensitively', () => {
    expect(
      ['Authorization', 'X-API-Key', 'x-auth-token', 'Proxy-Authorization'].every((name) =>
        looksSecret(name),
      ),
    ).toBe(true);
    expect(['accept', 'user-agent', 'content-type'].some((name) => looksSecret(name))).toBe(false);
  });
});
