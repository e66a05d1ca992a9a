import { looksSecret, redactUrl } from '../../lambdas/shared/redact';
import { logger } from '../../lambdas/shared/logger';

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

describe('log lines', () => {
  /** What the pipeline's logger writes for these attributes (its own serialization, captured). */
  const logged = (attributes: Record<string, unknown>) => {
    const lines: string[] = [];
    const capture = (chunk: string | Uint8Array) => lines.push(String(chunk)) > 0;
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(capture);
    logger.setLogLevel('INFO');
    try {
      logger.info('redaction probe', attributes);
    } finally {
      logger.setLogLevel('SILENT');
      stdout.mockRestore();
    }
    const line = JSON.parse(lines.join('')) as Record<string, unknown>;
    return Object.fromEntries(Object.keys(attributes).map((name) => [name, line[name]]));
  };

  it('redact secret-looking query parameters of any URL, whatever attribute holds it', () => {
    expect(logged({ next: 'https://api.example.com/v1?page=2&Access_Token=s3cret' })).toEqual({
      next: 'https://api.example.com/v1?page=2&Access_Token=REDACTED',
    });
  });

  it('redact secret-looking headers of a logged headers object, and credential-named attributes', () => {
    expect(
      logged({
        headers: { Authorization: 'Bearer s3cret', 'X-API-Key': 's3cret', accept: 'application/json' },
        password: 's3cret',
        key: 'gfn/years/dt=2026-12-04/batch=b/page-00001.json.gz',
      }),
    ).toEqual({
      headers: { Authorization: 'REDACTED', 'X-API-Key': 'REDACTED', accept: 'application/json' },
      password: 'REDACTED',
      key: 'gfn/years/dt=2026-12-04/batch=b/page-00001.json.gz',
    });
  });
});
