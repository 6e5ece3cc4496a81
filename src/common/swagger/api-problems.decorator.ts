import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { Problem } from '../errors/problem.dto';
import { COMMON_HEADERS, headerRefs } from './response-headers';

const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request (`validation_failed`)',
  401: 'Missing or invalid API key (`unauthenticated`)',
  403: 'The API key lacks the scope (`forbidden`)',
  404: 'No such resource, or one the API key may not see (`not_found`)',
  409: 'The resource is busy with another task or in the wrong state (`conflict`, with `reason`)',
  412: 'The resource no longer matches `If-Match` (`precondition_failed`)',
  413: 'Request body too large (`payload_too_large`)',
  415: 'Request body is not `application/json` (`unsupported_media_type`)',
  422: 'Idempotency-Key reused with a different request (`idempotency_mismatch`)',
  429: 'Too many requests (`rate_limited`)',
  500: 'Internal error (`internal`)',
  501: 'The provider does not support this operation (`unsupported_operation`)',
  502: 'The provider failed or refused our credentials (`provider_error`, `provider_auth_failed`)',
  503: 'The provider is unavailable (`provider_unavailable`)',
  504: 'The provider did not answer in time (`provider_timeout`)',
};

/** Documents problem+json answers for the given statuses (plus 401, 429 and 500, which any route can give). */
export function ApiProblems(...statuses: number[]): MethodDecorator & ClassDecorator {
  const all = [...new Set([...statuses, 401, 429, 500])].sort();
  return applyDecorators(
    ApiExtraModels(Problem),
    ...all.map((status) =>
      ApiResponse({
        status,
        description: DESCRIPTIONS[status] ?? 'Error',
        // 429 and 503 tell how long to wait.
        headers: headerRefs(
          ...COMMON_HEADERS,
          ...(status === 429 || status === 503 ? (['Retry-After'] as const) : []),
        ),
        content: { 'application/problem+json': { schema: { $ref: getSchemaPath(Problem) } } },
      }),
    ),
  );
}
