import type { TaskSummary } from './task.dto';

export type TaskEventType =
  'task.created' | 'task.updated' | 'task.succeeded' | 'task.failed' | 'task.canceled';

export interface TaskEvent {
  /**
   * Entry id in its connection's stream (`keys.events(provider)`). Ids of different connections' streams may be
   * equal; SSE sends a cursor of every followed stream's position instead (resources/events/event-cursor.ts).
   */
  id: string;
  type: TaskEventType;
  provider: string;
  taskId: string;
  /** A summary, not the whole task: events are kept by the hundred thousand (Redis bytes per task). */
  task: TaskSummary;
}
