import { applyDecorators, HttpCode, type Type, UseInterceptors } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiExtraModels,
  ApiHeader,
  ApiOkResponse,
  ApiQuery,
  getSchemaPath,
} from '@nestjs/swagger';
import { ApiProblems } from '../../common/swagger/api-problems.decorator';
import { OperationId } from '../../common/swagger/endpoints.decorator';
import { COMMON_HEADERS, headerRefs } from '../../common/swagger/response-headers';
import { Task } from '../../tasks/task.dto';
import { DEADLINE_SECONDS_LIMIT } from './mutation-call';
import { MutationQueryInterceptor } from './mutation-query.interceptor';

const TASK_ENDED = ApiOkResponse({
  type: Task,
  description:
    'The task has ended: within `Prefer: wait` (with `Preference-Applied`), or before this `Idempotency-Key` replay',
  headers: headerRefs(...COMMON_HEADERS, 'Location', 'Preference-Applied'),
});

/**
 * A mutation of an existing resource: 202 with the task (or 200 once it ended within `Prefer: wait`), its problem
 * answers, and `If-Match` (412 when it no longer names the resource).
 */
export function TaskEndpoint(operationId: string, ...problems: number[]): MethodDecorator {
  return mutationEndpoint(operationId, TASK_ENDED, problems, true);
}

/** A create: as `TaskEndpoint`, without `If-Match` (there is no version of what does not exist yet). */
export function CreateEndpoint(operationId: string, ...problems: number[]): MethodDecorator {
  return mutationEndpoint(operationId, TASK_ENDED, problems, false);
}

/**
 * A PATCH of labels (docs/design.md#labels): 202 with a task where the backend keeps the labels; 200 with the
 * resource as changed where the gateway keeps them (or with the ended task, as any mutation).
 */
export function LabelsEndpoint(
  operationId: string,
  view: Type<unknown>,
  ...problems: number[]
): MethodDecorator {
  return mutationEndpoint(
    operationId,
    applyDecorators(
      ApiExtraModels(Task, view),
      ApiOkResponse({
        description:
          'The labels the gateway keeps were changed: the resource as it is now, with its new `ETag`. Or, where a ' +
          'task does it, the task has ended (within `Prefer: wait`, or before this `Idempotency-Key` replay).',
        headers: headerRefs(...COMMON_HEADERS, 'ETag'),
        schema: { oneOf: [{ $ref: getSchemaPath(view) }, { $ref: getSchemaPath(Task) }] },
      }),
    ),
    problems,
    true,
  );
}

function mutationEndpoint(
  operationId: string,
  ok: MethodDecorator & ClassDecorator,
  problems: number[],
  onExisting: boolean,
): MethodDecorator {
  return applyDecorators(
    HttpCode(202),
    OperationId(operationId),
    UseInterceptors(MutationQueryInterceptor),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description:
        'Replays the first answer for the same key and request (body and `deadlineSeconds`) for 24 h (1-255 visible ASCII characters).',
    }),
    ApiHeader({
      name: 'Prefer',
      required: false,
      description: '`wait=N` (N ≤ 60): hold the answer until the task ends or N seconds pass.',
    }),
    ...(onExisting
      ? [
          ApiHeader({
            name: 'If-Match',
            required: false,
            description:
              'Act only on this version: the `ETag` of a read of the resource (strong comparison), or `*` for any. ' +
              'When the resource as read now has another, the answer is 412 and no task is made.',
          }),
        ]
      : []),
    ApiQuery({
      name: 'deadlineSeconds',
      required: false,
      schema: { type: 'integer', minimum: 1, maximum: DEADLINE_SECONDS_LIMIT },
      description:
        "Seconds the task may take before the gateway reconciles it with the backend (else it fails with `timeout`); the task's `deadlineAt` is its creation plus this. At most the connection's maximum for the operation (`deadlines[operation].maxSeconds` in `GET /v1/providers/{name}`), else 400.",
    }),
    ApiAcceptedResponse({
      type: Task,
      description: 'The task was accepted and runs; poll `Location`',
      headers: headerRefs(...COMMON_HEADERS, 'Location', 'Retry-After'),
    }),
    ok,
    ApiProblems(400, 403, 404, 409, 413, 415, 422, 501, ...(onExisting ? [412] : []), ...problems),
  );
}
