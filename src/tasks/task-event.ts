import type { TaskSummary } from './task.dto';

export type TaskEventType =
  'task.created' | 'task.updated' | 'task.succeeded' | 'task.failed' | 'task.canceled';

export interface TaskEvent {
  /** Stream entry id; SSE sends it as `id:` and takes it back as `Last-Event-ID`. */
  id: string;
  type: TaskEventType;
  provider: string;
  taskId: string;
  /** A summary, not the whole task: events are kept by the hundred thousand (Redis bytes per task). */
  task: TaskSummary;
}

/** A Redis stream entry id, the form an event id (and `Last-Event-ID`) takes. */
export const STREAM_ID_PATTERN = /^\d{1,20}-\d{1,20}$/;
