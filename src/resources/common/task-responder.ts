import { Injectable } from '@nestjs/common';
import type { HttpCall } from '../../common/http/call.decorator';
import { entityTag } from '../../common/http/etag';
import { parsePreferWait } from '../../common/http/prefer';
import type { Submitted } from '../../tasks/task-intake.service';
import { TaskWaiter } from '../../tasks/task-waiter.service';
import { TERMINAL_STATUSES, Task } from '../../tasks/task.dto';
import { TaskPresenter } from '../../application/task-presenter';

/**
 * Answers a mutation: 202 + Location while the task runs; 200 with the finished task when it has ended, either
 * within `Prefer: wait=N` (with `Preference-Applied`) or before an `Idempotency-Key` replay arrived.
 */
@Injectable()
export class TaskResponder {
  constructor(
    private readonly waiter: TaskWaiter,
    private readonly presenter: TaskPresenter,
  ) {}

  async respond({ request, reply }: HttpCall, submitted: Submitted): Promise<Task> {
    const wait = parsePreferWait(request.headers.prefer);
    let task = submitted.task;
    if (wait !== null) {
      if (!TERMINAL_STATUSES.has(task.status))
        task = (await this.waiter.waitForEnd(task.provider, task.id, wait)) ?? task;
      void reply.header('Preference-Applied', `wait=${wait}`);
      // Cut short by a shutdown: the client asks again, on a connection to another process.
      if (this.waiter.shuttingDown) void reply.header('Connection', 'close');
    }
    void reply.header('Location', `/v1/tasks/${task.id}`);
    // A finished task has nothing left to wait for: no Retry-After, and the status of a final answer.
    if (TERMINAL_STATUSES.has(task.status)) void reply.status(200);
    else void reply.status(202).header('Retry-After', '1');
    return this.presenter.present(task);
  }

  /**
   * A PATCH of labels: its task as any mutation's, or the resource as changed (200, with its new `ETag`) where no
   * task was needed.
   */
  async respondLabels<V extends object>(
    call: HttpCall,
    outcome: { submitted?: Submitted; resource?: V },
  ): Promise<Task | V> {
    if (outcome.submitted) return this.respond(call, outcome.submitted);
    void call.reply.status(200).header('ETag', entityTag(outcome.resource!));
    return outcome.resource!;
  }
}
