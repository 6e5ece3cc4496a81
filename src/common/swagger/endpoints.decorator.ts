import { applyDecorators, HttpCode } from '@nestjs/common';
import { ApiAcceptedResponse, ApiHeader, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { Task } from '../../tasks/task.dto';
import { ApiProblems } from './api-problems.decorator';

/** A mutation: 202 with the task (or 200 once it ended within `Prefer: wait`), and its problem answers. */
export function TaskEndpoint(operationId: string, summary: string, ...problems: number[]): MethodDecorator {
  return applyDecorators(
    HttpCode(202),
    ApiOperation({ operationId, summary }),
    ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Replays the first answer for the same key and body for 24 h (1-255 visible ASCII characters).' }),
    ApiHeader({ name: 'Prefer', required: false, description: '`wait=N` (N ≤ 60): hold the answer until the task ends or N seconds pass.' }),
    ApiAcceptedResponse({
      type: Task,
      description: 'The task was accepted; poll `Location`',
      headers: { Location: { description: 'URL of the task', schema: { type: 'string' } } },
    }),
    ApiOkResponse({ type: Task, description: 'The task ended within `Prefer: wait`' }),
    ApiProblems(400, 404, 409, 422, 501, ...problems),
  );
}

/** A read of one resource or list. */
export function ReadEndpoint(operationId: string, summary: string, ...problems: number[]): MethodDecorator {
  return applyDecorators(ApiOperation({ operationId, summary }), ApiProblems(400, 404, ...problems));
}
