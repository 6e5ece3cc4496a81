import { Injectable } from '@nestjs/common';
import { Connection } from '../providers/registry/connection';
import { ProviderRegistry } from '../providers/registry/provider-registry.service';
import type { Task } from '../tasks/task.dto';
import { presentResource } from './resource-presenter';

/**
 * A task as the API serves it: its result presented like a read (`resourceType`, `allowedActions`), judged on
 * the state the result had when the task ended. Tasks are stored without either. Tasks stored by an earlier
 * version lack `actor` and `cancelRequestedAt`: they show as null, so every task has the same shape.
 */
@Injectable()
export class TaskPresenter {
  constructor(private readonly registry: ProviderRegistry) {}

  present(task: Task): Task {
    const shaped: Task = {
      ...task,
      actor: task.actor ?? null,
      cancelRequestedAt: task.cancelRequestedAt ?? null,
    };
    if (!task.result) return shaped;
    // A connection removed from the configuration can do nothing: every action shows as unsupported.
    const adapter = this.registry.get(task.provider) ?? Connection.removed(task.provider, task.providerKind);
    return { ...shaped, result: presentResource(adapter, task.resource.type, task.result as never, null) };
  }
}
