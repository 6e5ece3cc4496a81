import { randomUUID } from 'node:crypto';
import { taskTimestamp } from './cloudmc-sim.util';

export type TaskStatus = 'PENDING' | 'SUCCESS' | 'FAILED';
export type TaskShape = 'A' | 'B';

export interface TaskRecord {
  id: string;
  /** `<entityType>.<operation>`, for failure injection and debugging. */
  operation: string;
  status: TaskStatus;
  created: Date;
  result?: unknown;
}

/**
 * Tasks are not persisted by CloudMC ("about 30 minutes"): a task is forgotten `ttlMs()` real milliseconds after
 * it was created, whatever its status, and `GET /tasks/:id` then answers 404.
 */
export class TaskStore {
  private readonly tasks = new Map<string, TaskRecord>();

  constructor(private readonly ttlMs: () => number) {}

  create(operation: string): TaskRecord {
    this.prune();
    const task: TaskRecord = { id: randomUUID(), operation, status: 'PENDING', created: new Date() };
    this.tasks.set(task.id, task);
    return task;
  }

  get(id: string): TaskRecord | undefined {
    this.prune();
    return this.tasks.get(id);
  }

  succeed(task: TaskRecord, result: unknown): void {
    task.status = 'SUCCESS';
    task.result = result;
  }

  fail(task: TaskRecord, message: string): void {
    task.status = 'FAILED';
    task.result = { message };
  }

  counts(): { live: number; pending: number } {
    this.prune();
    const pending = [...this.tasks.values()].filter((t) => t.status === 'PENDING').length;
    return { live: this.tasks.size, pending };
  }

  clear(): void {
    this.tasks.clear();
  }

  private prune(): void {
    const cutoff = Date.now() - this.ttlMs();
    for (const [id, task] of this.tasks) if (task.created.getTime() <= cutoff) this.tasks.delete(id);
  }
}

/** The poll answer: shape B `{"data": {id, status, created, result}}` or the older shape A. */
export function renderTask(task: TaskRecord, shape: TaskShape): Record<string, unknown> {
  const withResult = task.status === 'PENDING' ? {} : { result: task.result };
  if (shape === 'A') return { taskId: task.id, taskStatus: task.status, ...withResult };
  return { data: { id: task.id, status: task.status, created: taskTimestamp(task.created), ...withResult } };
}
