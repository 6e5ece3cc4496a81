import { Injectable } from '@nestjs/common';
import type { Task } from './task.dto';
import type { TaskInternal } from './task-record';

/**
 * Each resource's history (docs/design.md#history): an entry per task of ours that ended on it (source `gateway`),
 * and per state change seen in a backend read that no task of ours made (source `observed`).
 */
@Injectable()
export class HistoryLog {
  /** Records an ended task in its resource's history; never throws (a history write never fails a task). */
  async taskEnded(task: Task, internal: TaskInternal): Promise<void> {
    void task;
    void internal;
    return Promise.resolve();
  }
}
