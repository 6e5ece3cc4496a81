import { BeforeApplicationShutdown, Injectable } from '@nestjs/common';
import { TaskEvents } from './task-events.service';
import { TaskStore } from './task-store.service';
import { TERMINAL_STATUSES, Task } from './task.dto';

/**
 * Long-polls a task until it ends or the wait is over (`?waitSeconds=`, `Prefer: wait=`). On shutdown every
 * wait ends at once with the task as it is, so that no long-poll holds the process past its grace period.
 */
@Injectable()
export class TaskWaiter implements BeforeApplicationShutdown {
  private readonly waking = new Set<() => void>();
  private stopping = false;

  constructor(
    private readonly events: TaskEvents,
    private readonly store: TaskStore,
  ) {}

  /** True once the process shuts down: waits answer at once, and their answers close the connection. */
  get shuttingDown(): boolean {
    return this.stopping;
  }

  async waitForEnd(connection: string, taskId: string, seconds: number): Promise<Task | null> {
    if (seconds <= 0 || this.stopping) return this.store.get(connection, taskId);
    let resolveEnded!: () => void;
    const ended = new Promise<void>((resolve) => (resolveEnded = resolve));
    this.waking.add(resolveEnded);
    const unsubscribe = await this.events.subscribe((event) => {
      if (event.taskId === taskId && TERMINAL_STATUSES.has(event.task.status)) resolveEnded();
    });
    try {
      const current = await this.store.get(connection, taskId);
      if (!current || TERMINAL_STATUSES.has(current.status) || this.stopping) return current;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        ended,
        new Promise<void>((resolve) => (timer = setTimeout(resolve, seconds * 1000))),
      ]);
      clearTimeout(timer);
      return this.store.get(connection, taskId);
    } finally {
      this.waking.delete(resolveEnded);
      unsubscribe();
    }
  }

  /** Before the HTTP server closes (it waits for every open request): wake every wait. */
  beforeApplicationShutdown(): void {
    this.stopping = true;
    for (const wake of this.waking) wake();
  }
}
