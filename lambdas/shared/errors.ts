/**
 * Typed pipeline errors: one class per failure kind, each naming where it happened (source, resource,
 * URL without secrets) and what the operator should do next. Step Functions matches on `name`.
 */
export interface ErrorContext {
  source?: string;
  resource?: string;
  /** Request URL with every secret removed. */
  url?: string;
  /** The request's method, when it is not GET (a SOAP envelope is POSTed). */
  method?: string;
  status?: number;
  attempts?: number;
  key?: string;
}

export abstract class PipelineError extends Error {
  abstract readonly kind: string;

  constructor(
    problem: string,
    readonly context: ErrorContext,
    readonly nextStep: string,
    options?: { cause?: unknown },
  ) {
    super(`${describeContext(context)}${problem}. Next step: ${nextStep}`, options);
    this.name = new.target.name;
  }

  toJSON(): Record<string, unknown> {
    return { name: this.name, kind: this.kind, message: this.message, ...this.context };
  }
}

function describeContext(context: ErrorContext): string {
  const where = [context.source, context.resource].filter(Boolean).join('/');
  const parts = [where && `[${where}]`, context.url && `${context.method ?? 'GET'} ${context.url}`].filter(
    Boolean,
  );
  return parts.length ? `${parts.join(' ')}: ` : '';
}

/** A source or pipeline setting is missing or malformed. */
export class ConfigError extends PipelineError {
  readonly kind = 'config';
}

/** The API refused our credentials (401/403), or a token could not be obtained. */
export class AuthError extends PipelineError {
  readonly kind = 'auth';
}

/** The API kept answering 429 after every allowed attempt. */
export class RateLimitError extends PipelineError {
  readonly kind = 'rate_limit';
}

/** The API answered a status that the source's actions say to fail on, or kept failing with 5xx. */
export class HttpStatusError extends PipelineError {
  readonly kind = 'http_status';
}

/** Timeouts, connection resets and truncated bodies that outlasted every retry. */
export class TransportError extends PipelineError {
  readonly kind = 'transport';
}

/** A 2xx response whose body is not the JSON shape the source config describes. */
export class ResponseFormatError extends PipelineError {
  readonly kind = 'response_format';
}

/** A paginator that would never end (the API handed back a cursor or link it already gave). */
export class PaginationError extends PipelineError {
  readonly kind = 'pagination';
}

/** Another run committed incremental state since this run read it. */
export class StateConflictError extends PipelineError {
  readonly kind = 'state_conflict';
}

/** Another execution holds a resource this run would touch: the run stops before extracting anything. */
export class RunInProgressError extends PipelineError {
  readonly kind = 'run_in_progress';
}

/** A resource's counts do not add up: records went missing between extract and validate. */
export class ReconciliationError extends PipelineError {
  readonly kind = 'reconciliation';
}

/** Snowflake did not load a file of this batch: it failed to, or did not in the time allowed. */
export class WarehouseLoadError extends PipelineError {
  readonly kind = 'warehouse_load';
}

/** Data-quality checks of severity `fail` failed: the data is loaded, but the run is not accepted. */
export class QualityGateError extends PipelineError {
  readonly kind = 'quality_gate';
}

/**
 * Failures that another attempt cannot fix (the state machine does not retry them): a wrong setting,
 * refused credentials, an API paging in circles or answering another shape, a lost state race, a run
 * already in progress, counts that do not add up.
 */
export const NON_RETRYABLE_ERRORS = [
  'ConfigError',
  'AuthError',
  'ResponseFormatError',
  'PaginationError',
  'StateConflictError',
  'RunInProgressError',
  'ReconciliationError',
  'WarehouseLoadError',
  'QualityGateError',
] as const;
