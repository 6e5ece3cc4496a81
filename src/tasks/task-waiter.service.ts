import { Injectable } from '@nestjs/common';
import { TaskEvents } from './task-events.service';
import { TaskStore } from './task-store.service';
import { TERMINAL_STATUSES, Task } from './task.dto';

/** Long-polls a task until it ends or the wait is over (`?waitSeconds=`, `Prefer: wait=`). */
@Injectable()
export class TaskWaiter {
  constructor(
    private readonly events: TaskEvents,
    private readonly store: TaskStore,
  ) {}

  async waitForEnd(taskId: string, seconds: number): Promise<Task | null> {
    if (seconds <= 0) return this.store.get(taskId);
    let resolveEnded!: () => void;
    const ended = new Promise<void>((resolve) => (resolveEnded = resolve));
    const unsubscribe = await this.events.subscribe((event) => {
      if (event.taskId === taskId && TERMINAL_STATUSES.has(event.task.status)) resolveEnded();
    });
    try {
      const current = await this.store.get(taskId);
      if (!current || TERMINAL_STATUSES.has(current.status)) return current;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        ended,
        new Promise<void>((resolve) => (timer = setTimeout(resolve, seconds * 1000))),
      ]);
      clearTimeout(timer);
      return this.store.get(taskId);
    } finally {
      unsubscribe();
    }
  }
}
