import { applyDecorators, HttpCode } from '@nestjs/common';
import { ApiAcceptedResponse, ApiHeader, ApiOkResponse } from '@nestjs/swagger';
import { ApiProblems } from '../../common/swagger/api-problems.decorator';
import { OperationId } from '../../common/swagger/endpoints.decorator';
import { COMMON_HEADERS, headerRefs } from '../../common/swagger/response-headers';
import { Task } from '../../tasks/task.dto';

/** A mutation: 202 with the task (or 200 once it ended within `Prefer: wait`), and its problem answers. */
export function TaskEndpoint(operationId: string, ...problems: number[]): MethodDecorator {
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
    ApiOkResponse({
      type: Task,
      description:
        'The task has ended: within `Prefer: wait` (with `Preference-Applied`), or before this `Idempotency-Key` replay',
      headers: headerRefs(...COMMON_HEADERS, 'Location', 'Preference-Applied'),
    }),
    ApiProblems(400, 403, 404, 409, 413, 415, 422, 501, ...problems),
  );
}
