/** A mistake the operator can fix; the CLI prints the message alone and exits 1. */
export class OperatorError extends Error {
  override readonly name = 'OperatorError';
}
