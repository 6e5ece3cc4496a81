import { HttpException } from '@nestjs/common';
import { ErrorCode, ERROR_STATUS, ERROR_TITLES, PROBLEM_TYPE_BASE } from './error-codes';
import { GatewayError, isGatewayError } from './gateway-error';
import { Problem } from './problem.dto';
import { asRedisUnavailable } from './redis-unavailable';

export interface ProblemContext {
  requestId: string;
  instance: string;
}

const NOT_JSON = 'The request body is not valid JSON.';

/** Fastify error codes a client can cause, mapped to our codes (and a detail where Fastify's won't do). */
const FASTIFY_CODES: Record<string, [ErrorCode, string?]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: ['payload_too_large'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [
    'unsupported_media_type',
    'The request body must be JSON, sent with `Content-Type: application/json`.',
  ],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: ['validation_failed', NOT_JSON],
  FST_ERR_CTP_EMPTY_JSON_BODY: ['validation_failed', NOT_JSON],
  FST_ERR_CTP_INVALID_JSON_BODY: ['validation_failed', NOT_JSON],
  FST_ERR_CTP_INVALID_TYPE: ['validation_failed', NOT_JSON],
  FST_ERR_VALIDATION: ['validation_failed', NOT_JSON],
  // The router's own refusals (Fastify's `frameworkErrors`): its messages repeat the whole URL.
  FST_ERR_BAD_URL: ['validation_failed', 'The URL is not valid: it holds a broken percent-encoding.'],
  FST_ERR_MAX_PARAM_LENGTH: ['validation_failed', 'A path parameter is longer than the gateway accepts.'],
};

const HTTP_STATUS_CODES: Partial<Record<number, ErrorCode>> = {
  400: 'validation_failed',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'idempotency_mismatch',
  429: 'rate_limited',
  501: 'unsupported_operation',
};

function base(
  code: ErrorCode,
  detail: string,
  ctx: ProblemContext,
  status: number = ERROR_STATUS[code],
): Problem {
  return {
    type: `${PROBLEM_TYPE_BASE}${code.replace(/_/g, '-')}`,
    title: ERROR_TITLES[code],
    status,
    detail,
    instance: ctx.instance,
    code,
    retryable: false,
    requestId: ctx.requestId,
  };
}

export function problemFromGatewayError(error: GatewayError, ctx: ProblemContext): Problem {
  const problem = base(error.code, error.message, ctx, error.status);
  problem.retryable = error.retryable;
  if (error.errors?.length) problem.errors = error.errors;
  if (error.provider) problem.provider = error.provider;
  if (error.upstream) problem.upstream = error.upstream;
  if (error.retryAfter !== undefined) problem.retryAfter = error.retryAfter;
  if (error.extensions) Object.assign(problem, error.extensions);
  return problem;
}

/** Turns anything thrown while serving a request into a problem document. Never leaks internals. */
export function toProblem(error: unknown, ctx: ProblemContext): Problem {
  if (isGatewayError(error)) return problemFromGatewayError(error, ctx);
  // Redis full, down or too slow: 503 `unavailable` (retryable), never a 500 (issue 12).
  const redis = asRedisUnavailable(error);
  if (redis) return problemFromGatewayError(redis, ctx);

  // Nest's Fastify adapter hands a Fastify 4xx error over wrapped in an HttpException, the error as its cause.
  const fastifyError = error instanceof HttpException && error.cause ? error.cause : error;
  const fastifyCode = (fastifyError as { code?: unknown })?.code;
  if (typeof fastifyCode === 'string' && Object.hasOwn(FASTIFY_CODES, fastifyCode)) {
    const [code, detail] = FASTIFY_CODES[fastifyCode];
    return base(code, detail ?? String((fastifyError as Error).message), ctx);
  }
  if (error instanceof SyntaxError && (error as { statusCode?: number }).statusCode === 400) {
    return base('validation_failed', NOT_JSON, ctx);
  }

  if (error instanceof HttpException) {
    const status = error.getStatus();
    const code = HTTP_STATUS_CODES[status] ?? (status >= 500 ? 'internal' : 'validation_failed');
    if (code === 'rate_limited') {
      return {
        ...base(code, 'This API key sent too many requests; wait for Retry-After seconds.', ctx, 429),
        retryable: true,
      };
    }
    const detail = status >= 500 ? 'The gateway failed to handle the request.' : error.message;
    return base(code, detail, ctx, status >= 500 ? 500 : status);
  }

  const statusCode = (error as { statusCode?: unknown })?.statusCode;
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    const code = HTTP_STATUS_CODES[statusCode] ?? 'validation_failed';
    return base(code, String((error as Error).message ?? 'Bad request'), ctx, statusCode);
  }

  return base(
    'internal',
    'The gateway failed to handle the request. Quote the requestId when reporting it.',
    ctx,
  );
}
