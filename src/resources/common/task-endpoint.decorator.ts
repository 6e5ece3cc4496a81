import { applyDecorators, HttpCode, type Type } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiExtraModels,
  ApiHeader,
  ApiOkResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import { ApiProblems } from '../../common/swagger/api-problems.decorator';
import { OperationId } from '../../common/swagger/endpoints.decorator';
import { COMMON_HEADERS, headerRefs } from '../../common/swagger/response-headers';
import { Task } from '../../tasks/task.dto';

/** A mutation: 202 with the task (or 200 once it ended within `Prefer: wait`), and its problem answers. */
export function TaskEndpoint(operationId: string, ...problems: number[]): MethodDecorator {
  return mutationEndpoint(
    operationId,
    ApiOkResponse({
      type: Task,
      description:
        'The task has ended: within `Prefer: wait` (with `Preference-Applied`), or before this `Idempotency-Key` replay',
      headers: headerRefs(...COMMON_HEADERS, 'Location', 'Preference-Applied'),
    }),
    problems,
  );
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
          'The labels the gateway keeps were changed: the resource as it is now. Or, where a task does it, the ' +
          'task has ended (within `Prefer: wait`, or before this `Idempotency-Key` replay).',
        headers: headerRefs(...COMMON_HEADERS),
        schema: { oneOf: [{ $ref: getSchemaPath(view) }, { $ref: getSchemaPath(Task) }] },
      }),
    ),
    problems,
  );
}

function mutationEndpoint(
  operationId: string,
  ok: MethodDecorator & ClassDecorator,
  problems: number[],
): MethodDecorator {
  return applyDecorators(
    HttpCode(202),
    OperationId(operationId),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description:
        'Replays the first answer for the same key and body for 24 h (1-255 visible ASCII characters).',
    }),
    ApiHeader({
      name: 'Prefer',
      required: false,
      description: '`wait=N` (N ≤ 60): hold the answer until the task ends or N seconds pass.',
    }),
    ApiAcceptedResponse({
      type: Task,
      description: 'The task was accepted and runs; poll `Location`',
      headers: headerRefs(...COMMON_HEADERS, 'Location', 'Retry-After'),
    }),
    ok,
    ApiProblems(400, 403, 404, 409, 413, 415, 422, 501, ...problems),
  );
}
