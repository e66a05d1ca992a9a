import { OperatorError } from './operator-error';

/** Network failures Node and the SDK report by code: the endpoint could not be reached at all. */
const UNREACHABLE = new Set([
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/**
 * What an AWS SDK error means for someone at a terminal, as one line that says what to do: no region,
 * no credentials, no network. Anything else is returned as it is.
 */
export function explainAwsError(error: unknown): Error {
  const err = error as Error & { code?: string; hostname?: string };
  if (err instanceof OperatorError) return err;
  if (/region is missing/i.test(err.message ?? ''))
    return new OperatorError(
      'no AWS region: set AWS_REGION (or a profile with a region, AWS_PROFILE) to the region the pipeline is deployed in',
    );
  if (err.name === 'CredentialsProviderError' || /credential/i.test(err.message ?? ''))
    return new OperatorError(
      'no AWS credentials found: set AWS_PROFILE (or run aws sso login) for the account the pipeline is deployed in',
    );
  // The code is on the error, or (where the SDK wrapped what Node threw) only in its message.
  const code =
    err.code && UNREACHABLE.has(err.code)
      ? err.code
      : [...UNREACHABLE].find((candidate) => new RegExp(`\\b${candidate}\\b`).test(err.message ?? ''));
  if (code || err.name === 'TimeoutError')
    return new OperatorError(
      `AWS could not be reached (${err.hostname ?? (err.message ?? '').replace(/^.*Error: /, '')}): ${code ?? err.name}. Check the network, a proxy (HTTPS_PROXY) or a VPN, then run it again`,
    );
  return err;
}
