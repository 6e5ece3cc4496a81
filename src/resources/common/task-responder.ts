import { Injectable } from '@nestjs/common';
import type { HttpCall } from '../../common/http/call.decorator';
import { parsePreferWait } from '../../common/http/prefer';
import type { Submitted } from '../../tasks/task-intake.service';
import { TaskWaiter } from '../../tasks/task-waiter.service';
import { TERMINAL_STATUSES, Task } from '../../tasks/task.dto';

/**
 * Answers a mutation: 202 + Location, or, with `Prefer: wait=N` and a task that ends within N seconds,
 * 200 with the finished task and `Preference-Applied`.
 */
@Injectable()
export class TaskResponder {
  constructor(private readonly waiter: TaskWaiter) {}

  async respond({ request, reply }: HttpCall, submitted: Submitted): Promise<Task> {
    const wait = parsePreferWait(request.headers.prefer);
    let task = submitted.task;
    if (wait !== null) {
      if (!TERMINAL_STATUSES.has(task.status)) task = (await this.waiter.waitForEnd(task.id, wait)) ?? task;
      void reply.header('Preference-Applied', `wait=${wait}`);
    }
    void reply.header('Location', `/v1/tasks/${task.id}`);
    if (wait !== null && TERMINAL_STATUSES.has(task.status)) {
      void reply.status(200);
    } else {
      void reply.status(202).header('Retry-After', '1');
    }
    return task;
  }
}
