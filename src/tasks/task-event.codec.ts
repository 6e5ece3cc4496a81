import type { TaskEvent, TaskEventType } from './task-event';
import type { TaskSummary } from './task.dto';

// One stream entry per event, kept by the hundred thousand: a JSON array in one field is about half the bytes of
// named fields plus a JSON object (Redis bytes per task, bench). Order of the array is the wire format: append only.

type Packed = [
  type: TaskEventType,
  id: string,
  provider: string,
  operation: TaskSummary['operation'],
  status: TaskSummary['status'],
  progress: number | null,
  step: string | null,
  providerStatus: string | null,
  resourceType: TaskSummary['resource']['type'],
  resourceId: string | null,
  errorCode: TaskSummary['errorCode'],
  updatedAtMs: number,
];

/** The stream fields of one event. */
export function encodeEvent(type: TaskEventType, task: TaskSummary): [field: string, value: string] {
  const packed: Packed = [
    type,
    task.id,
    task.provider,
    task.operation,
    task.status,
    task.progress,
    task.step,
    task.providerStatus,
    task.resource.type,
    task.resource.id,
    task.errorCode,
    Date.parse(task.updatedAt),
  ];
  return ['e', JSON.stringify(packed)];
}

/** The event of a stream entry; null for an entry this version cannot read. */
export function decodeEvent(id: string, fields: string[]): TaskEvent | null {
  const map: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) map[fields[i]] = fields[i + 1];
  try {
    if (map.e) {
      const p = JSON.parse(map.e) as Packed;
      const task: TaskSummary = {
        id: p[1],
        provider: p[2],
        operation: p[3],
        status: p[4],
        progress: p[5],
        step: p[6],
        providerStatus: p[7],
        resource: { type: p[8], id: p[9] },
        errorCode: p[10],
        updatedAt: new Date(p[11]).toISOString(),
      };
      return { id, type: p[0], provider: task.provider, taskId: task.id, task };
    }
    // Entries written before the packed form (named fields and a JSON summary).
    if (map.task) {
      const task = JSON.parse(map.task) as TaskSummary;
      return { id, type: map.type as TaskEventType, provider: map.provider, taskId: map.taskId, task };
    }
  } catch {
    // An unreadable entry is skipped, never a crash of the reader.
  }
  return null;
}
