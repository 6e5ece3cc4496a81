import { ErrorCode, ERROR_STATUS } from './error-codes';

export interface FieldError {
  /** Dotted path of the offending field, e.g. `providerOptions.diskOfferingId`. */
  field: string;
  message: string;
}

/** One of several errors a backend reported in one answer. */
export interface UpstreamErrorEntry {
  code: string | null;
  message: string | null;
  /** The field or object the backend named, when it named one. */
  field?: string | null;
}

/** What a backend said, parsed by its adapter's error parser: never a raw body. */
export interface UpstreamInfo {
  status: number | null;
  /** Code and message of the first (or only) error. */
  code: string | null;
  message: string | null;
  /** Every error, when the backend reported more than one. */
  errors?: UpstreamErrorEntry[];
}

export interface GatewayErrorOptions {
  detail?: string;
  retryable?: boolean;
  errors?: FieldError[];
  provider?: string;
  upstream?: UpstreamInfo;
  /** Seconds a client should wait before retrying (sent as Retry-After). */
  retryAfter?: number;
  /** Extension members added to the problem body (e.g. `activeTaskId`). */
  extensions?: Record<string, unknown>;
  cause?: unknown;
}

/**
 * The one error type services, adapters and workers throw. Subclasses name the categories callers act on;
 * the problem filter turns any of them into RFC 9457 problem+json.
 */
export class GatewayError extends Error {
  readonly status: number;
  readonly retryable: boolean;
  readonly errors?: FieldError[];
  readonly provider?: string;
  readonly upstream?: UpstreamInfo;
  readonly retryAfter?: number;
  readonly extensions?: Record<string, unknown>;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options: GatewayErrorOptions = {},
  ) {
    super(options.detail ?? message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.status = ERROR_STATUS[code];
    this.retryable = options.retryable ?? false;
    this.errors = options.errors;
    this.provider = options.provider;
    this.upstream = options.upstream;
    this.retryAfter = options.retryAfter;
    this.extensions = options.extensions;
  }

  /** A copy that names the provider connection, for errors raised below the adapter's knowledge of it. */
  withProvider(provider: string): GatewayError {
    if (this.provider) return this;
    const copy = Object.create(Object.getPrototypeOf(this) as object) as GatewayError;
    Object.assign(copy, this, { provider });
    copy.message = this.message;
    copy.stack = this.stack;
    return copy;
  }
}

export class ValidationError extends GatewayError {
  constructor(detail: string, errors?: FieldError[], options: GatewayErrorOptions = {}) {
    super('validation_failed', detail, { ...options, errors });
  }
}

export class UnauthenticatedError extends GatewayError {
  constructor(detail = 'Send an API key as `Authorization: Bearer <key>`.') {
    super('unauthenticated', detail);
  }
}

export class ForbiddenError extends GatewayError {
  constructor(detail: string) {
    super('forbidden', detail);
  }
}

export class NotFoundError extends GatewayError {
  constructor(detail: string, options: GatewayErrorOptions = {}) {
    super('not_found', detail, options);
  }
}

export class ConflictError extends GatewayError {
  constructor(detail: string, options: GatewayErrorOptions = {}) {
    super('conflict', detail, options);
  }
}

/** 412: an `If-Match` names a version of the resource that is no longer the current one. */
export class PreconditionFailedError extends GatewayError {
  constructor(message: string, options: GatewayErrorOptions = {}) {
    super('precondition_failed', message, options);
  }
}

export class IdempotencyMismatchError extends GatewayError {
  constructor(detail: string) {
    super('idempotency_mismatch', detail);
  }
}

export class UnsupportedOperationError extends GatewayError {
  constructor(provider: string, operation: string, reason?: string) {
    super(
      'unsupported_operation',
      `Provider connection '${provider}' does not support ${operation}${reason ? `: ${reason}` : '.'}`,
      // `reason` as in `allowedActions`, so every refusal of an action names why the same way.
      { provider, extensions: { operation, reason: 'unsupported_operation' } },
    );
  }
}

/** The backend answered with something we cannot use (5xx, malformed body, unexpected shape). */
export class ProviderError extends GatewayError {
  constructor(detail: string, options: GatewayErrorOptions = {}) {
    super('provider_error', detail, { retryable: true, ...options });
  }
}

/** The backend refused the gateway's own credentials (bad API key, password, client certificate). */
export class ProviderAuthError extends GatewayError {
  constructor(detail: string, options: GatewayErrorOptions = {}) {
    super('provider_auth_failed', detail, { retryable: false, ...options });
  }
}

/** The backend is down, overloaded, rate limiting us, or its circuit is open. */
export class ProviderUnavailableError extends GatewayError {
  constructor(detail: string, options: GatewayErrorOptions = {}) {
    super('provider_unavailable', detail, { retryable: true, ...options });
  }
}

export class ProviderTimeoutError extends GatewayError {
  constructor(detail: string, options: GatewayErrorOptions = {}) {
    super('provider_timeout', detail, { retryable: true, ...options });
  }
}

/** The gateway cannot tell what the backend did (e.g. two candidates for one create): a person must look. */
export class NeedsAttentionError extends GatewayError {
  constructor(detail: string, options: GatewayErrorOptions = {}) {
    super('needs_attention', detail, { retryable: false, ...options });
  }
}

export function isGatewayError(error: unknown): error is GatewayError {
  return error instanceof GatewayError;
}
