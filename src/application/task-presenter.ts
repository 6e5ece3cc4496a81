import { Injectable } from '@nestjs/common';
import { Connection } from '../providers/registry/connection';
import { ProviderRegistry } from '../providers/registry/provider-registry.service';
import type { Task } from '../tasks/task.dto';
import { presentResource } from './resource-presenter';

/**
 * A task as the API serves it: its result presented like a read (`resourceType`, `allowedActions`), judged on
 * the state the result had when the task ended. Tasks are stored without either.
 */
@Injectable()
export class TaskPresenter {
  constructor(private readonly registry: ProviderRegistry) {}

  present(task: Task): Task {
    if (!task.result) return task;
    // A connection removed from the configuration can do nothing: every action shows as unsupported.
    const adapter = this.registry.get(task.provider) ?? Connection.removed(task.provider, task.providerKind);
    return { ...task, result: presentResource(adapter, task.resource.type, task.result as never, null) };
  }
}
