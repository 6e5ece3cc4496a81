import { applyDecorators, type Type } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiResponse } from '@nestjs/swagger';
import { ApiProblems } from './api-problems.decorator';
import { COMMON_HEADERS, headerRefs } from './response-headers';

/**
 * Operation ids by `Controller.method`. Summaries and descriptions come from each route's TSDoc through the
 * Swagger plugin (main line → summary, `@remarks` → description), which applies them only to routes without an
 * explicit `@ApiOperation`; so the id is recorded here and handed to `operationIdFactory` instead.
 */
const OPERATION_IDS = new Map<string, string>();

export function OperationId(id: string): MethodDecorator {
  return (target, key) => {
    OPERATION_IDS.set(`${(target as { constructor: { name: string } }).constructor.name}.${String(key)}`, id);
  };
}

export function operationIdOf(controllerKey: string, methodKey: string): string {
  return OPERATION_IDS.get(`${controllerKey}.${methodKey}`) ?? methodKey;
}

/**
 * A read. The success type is named here because the plugin's metadata mode adds an inferred response only to
 * routes that declare none, and the problem responses are declared first.
 */
export function ReadEndpoint(
  operationId: string,
  type: Type<unknown>,
  ...problems: number[]
): MethodDecorator {
  return applyDecorators(
    OperationId(operationId),
    // Single reads that can be served from cache when their backend fails say so (Cache-Status, Age).
    ApiOkResponse({
      type,
      description: 'OK',
      headers: headerRefs(
        ...COMMON_HEADERS,
        ...(problems.includes(503) ? (['Cache-Status', 'Age'] as const) : []),
      ),
    }),
    ApiProblems(400, 404, ...problems),
  );
}

/**
 * A read of one resource by id (docs/design.md#optimistic-concurrency): as `ReadEndpoint`, with its `ETag`, and
 * 304 without a body when `If-None-Match` names the current version.
 */
export function ResourceReadEndpoint(
  operationId: string,
  type: Type<unknown>,
  ...problems: number[]
): MethodDecorator {
  return applyDecorators(
    OperationId(operationId),
    ApiHeader({
      name: 'If-None-Match',
      required: false,
      description:
        'ETags of versions the caller holds (or `*`): when one names the current version (weak comparison), the answer is 304 without a body.',
    }),
    ApiOkResponse({
      type,
      description: 'OK',
      headers: headerRefs(
        ...COMMON_HEADERS,
        'ETag',
        ...(problems.includes(503) ? (['Cache-Status', 'Age'] as const) : []),
      ),
    }),
    ApiResponse({
      status: 304,
      description: 'Not modified: `If-None-Match` names the current version. No body.',
      headers: headerRefs(...COMMON_HEADERS, 'ETag'),
    }),
    ApiProblems(400, 404, ...problems),
  );
}
