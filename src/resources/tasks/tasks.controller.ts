import { Controller, Get, HttpCode, Param, Post, Query, UseInterceptors } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { NotFoundError, ValidationError } from '../../common/errors/gateway-error';
import { Call, type HttpCall } from '../../common/http/call.decorator';
import { parseResourceId } from '../../common/ids/resource-id';
import { decodePageToken, encodePageToken } from '../../common/pagination/page-token';
import { ApiProblems } from '../../common/swagger/api-problems.decorator';
import { OperationId, ReadEndpoint } from '../../common/swagger/endpoints.decorator';
import { COMMON_HEADERS, headerRefs } from '../../common/swagger/response-headers';
import { ProviderRegistry } from '../../providers/registry/provider-registry.service';
import { TaskCanceler } from '../../tasks/task-canceler.service';
import { TaskStore } from '../../tasks/task-store.service';
import { TaskWaiter } from '../../tasks/task-waiter.service';
import { Task } from '../../tasks/task.dto';
import { TaskPresenter } from '../../application/task-presenter';
import { IdempotencyKeyInterceptor } from '../common/idempotency-key.interceptor';
import { TaskList, TaskListQuery, TaskWaitQuery } from './tasks.dto';

const TASK_ID = /^[0-9A-HJKMNP-TV-Z]{26}$/;
/** A ULID whose time fits 48 bits: what ulid's decodeTime takes (it throws on anything else). */
const TASK_CURSOR = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/;

@ApiTags('tasks')
@ApiBearerAuth()
@Controller('v1/tasks')
export class TasksController {
  constructor(
    private readonly store: TaskStore,
    private readonly waiter: TaskWaiter,
    private readonly registry: ProviderRegistry,
    private readonly presenter: TaskPresenter,
    private readonly canceler: TaskCanceler,
  ) {}

  /**
   * List tasks
   * @remarks Tasks of the connections the API key may see, newest first. Filters apply after reading, so a page may be shorter than asked while `nextPageToken` says more follow.
   */
  @Get()
  @ReadEndpoint('listTasks', TaskList)
  async list(@Call() { caller }: HttpCall, @Query() query: TaskListQuery): Promise<TaskList> {
    const visible = caller.visible(this.registry.names());
    if (query.provider && !visible.includes(query.provider))
      throw new NotFoundError(`No provider connection '${query.provider}'.`);
    if (query.resourceId) {
      const parsed = parseResourceId(query.resourceId);
      if (!parsed || !visible.includes(parsed.connection)) return { items: [], nextPageToken: null };
    }
    const filter = {
      provider: query.provider,
      status: query.status,
      resourceId: query.resourceId,
      operation: query.operation,
    };
    // A forged cursor is a 400 here, not a throw from decodeTime in the store (a 500).
    const after = decodePageToken(query.pageToken, filter, (cursor) => TASK_CURSOR.test(cursor));
    const page = await this.store.list(
      { ...filter, providers: query.provider ? [query.provider] : visible },
      query.pageSize ?? 100,
      after,
    );
    return {
      items: page.items.map((task) => this.presenter.present(task)),
      nextPageToken: page.next ? encodePageToken(page.next, filter) : null,
    };
  }

  /**
   * Get a task
   * @remarks With `waitSeconds` the answer is held until the task ends or the time passes.
   */
  @Get(':id')
  @ReadEndpoint('getTask', Task)
  async get(
    @Call() { caller, reply }: HttpCall,
    @Param('id') id: string,
    @Query() query: TaskWaitQuery,
  ): Promise<Task> {
    const first = await this.visibleTask(caller, id);
    const task = query.waitSeconds
      ? await this.waiter.waitForEnd(first.provider, id, query.waitSeconds)
      : first;
    // A wait cut short by a shutdown: the client asks again, on a connection to another process.
    if (query.waitSeconds && this.waiter.shuttingDown) void reply.header('Connection', 'close');
    return this.presenter.present(task ?? first);
  }

  /**
   * Cancel a task
   * @remarks A queued task ends `canceled` at once. A running task stops at its next step boundary (never inside a backend call whose outcome is unknown), runs the operation's clean-up and ends `canceled`, its steps not run marked `skipped`; `cancelRequestedAt` shows the request until then. A create canceled after its backend made the resource deletes it first (steps `undo-…`); where it cannot, the task ends `canceled` with an `error` (`needs_attention`) naming what remains and why. Asking again while it cancels answers the task again. 409 `conflict` when the task has ended, or is past its last backend call with nothing left to undo (only waits remain).
   */
  @Post(':id/cancel')
  @UseInterceptors(IdempotencyKeyInterceptor)
  @HttpCode(202)
  @OperationId('cancelTask')
  @ApiAcceptedResponse({
    type: Task,
    description:
      'The cancel was accepted: the task as it is now (already `canceled` if it was queued); poll `Location`',
    headers: headerRefs(...COMMON_HEADERS, 'Location'),
  })
  @ApiProblems(400, 403, 404, 409)
  async cancel(@Call() { caller, reply }: HttpCall, @Param('id') id: string): Promise<Task> {
    const found = await this.visibleTask(caller, id);
    const task = await this.canceler.cancel(found.provider, id);
    void reply.header('Location', `/v1/tasks/${id}`);
    return this.presenter.present(task);
  }

  /** The task of that id if the caller may see its connection: 400 for a malformed id, 404 otherwise. */
  private async visibleTask(caller: HttpCall['caller'], id: string): Promise<Task> {
    if (!TASK_ID.test(id))
      throw new ValidationError(`'${id.slice(0, 64)}' is not a task id.`, [
        { field: 'id', message: 'must be a task id (26-character ULID)' },
      ]);
    // Looked for only on the connections the caller may see: a task elsewhere is not found for it.
    const task = await this.store.find(id, caller.visible(this.registry.names()));
    if (!task) throw new NotFoundError(`No task '${id}'.`);
    return task;
  }
}
