/**
 * Stable problem codes (docs/design.md#errors), with the HTTP status each one answers with. Five codes are
 * additions to the first list, see docs/adr/0002-error-codes.md: `provider_auth_failed` (the gateway's own
 * credentials for a backend were refused), `timeout` (a task passed its deadline), `needs_attention` (a task
 * could not decide what the backend did and a person must look), `unavailable` (the gateway's own Redis
 * refused or did not answer: full, down, or too slow) and `precondition_failed` (an `If-Match` that no longer
 * matches the resource).
 */
export const ERROR_STATUS = {
  validation_failed: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  precondition_failed: 412,
  payload_too_large: 413,
  unsupported_media_type: 415,
  idempotency_mismatch: 422,
  rate_limited: 429,
  internal: 500,
  unsupported_operation: 501,
  provider_error: 502,
  provider_auth_failed: 502,
  provider_unavailable: 503,
  unavailable: 503,
  provider_timeout: 504,
  timeout: 504,
  needs_attention: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;
export const ERROR_CODES = Object.keys(ERROR_STATUS) as ErrorCode[];

export const ERROR_TITLES: Record<ErrorCode, string> = {
  validation_failed: 'The request is not valid',
  unauthenticated: 'Authentication is required',
  forbidden: 'The API key may not do this',
  not_found: 'No such resource',
  method_not_allowed: 'Method not allowed on this path',
  conflict: 'The resource is busy or in the wrong state',
  precondition_failed: 'The resource changed since the version the request names',
  payload_too_large: 'The request body is too large',
  unsupported_media_type: 'Unsupported content type',
  idempotency_mismatch: 'The Idempotency-Key was used with a different request',
  rate_limited: 'Too many requests',
  internal: 'Internal error',
  unsupported_operation: 'The provider does not support this operation',
  provider_error: 'The provider failed',
  provider_auth_failed: 'The provider refused the gateway credentials',
  provider_unavailable: 'The provider is unavailable',
  unavailable: 'The gateway is briefly unavailable',
  provider_timeout: 'The provider did not answer in time',
  timeout: 'The operation did not finish before its deadline',
  needs_attention: 'The outcome is uncertain and needs a person',
};

/** Base of the `type` URIs; each code has its own page in docs/errors.md. */
export const PROBLEM_TYPE_BASE = 'https://cloudmux.dev/problems/';
