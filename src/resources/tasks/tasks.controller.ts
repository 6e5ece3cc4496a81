import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { NotFoundError, ValidationError } from '../../common/errors/gateway-error';
import { Call, type HttpCall } from '../../common/http/call.decorator';
import { parseResourceId } from '../../common/ids/resource-id';
import { decodePageToken, encodePageToken } from '../../common/pagination/page-token';
import { ReadEndpoint } from '../../common/swagger/endpoints.decorator';
import { ProviderRegistry } from '../../providers/registry/provider-registry.service';
import { TaskStore } from '../../tasks/task-store.service';
import { TaskWaiter } from '../../tasks/task-waiter.service';
import { Task } from '../../tasks/task.dto';
import { TaskPresenter } from '../../application/task-presenter';
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
    if (!TASK_ID.test(id))
      throw new ValidationError(`'${id.slice(0, 64)}' is not a task id.`, [
        { field: 'id', message: 'must be a task id (26-character ULID)' },
      ]);
    const first = await this.store.get(id);
    if (!first || !caller.canSee(first.provider)) throw new NotFoundError(`No task '${id}'.`);
    const task = query.waitSeconds ? await this.waiter.waitForEnd(id, query.waitSeconds) : first;
    // A wait cut short by a shutdown: the client asks again, on a connection to another process.
    if (query.waitSeconds && this.waiter.shuttingDown) void reply.header('Connection', 'close');
    return this.presenter.present(task ?? first);
  }
}
