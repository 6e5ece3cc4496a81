import { randomUUID } from 'node:crypto';
import type { Task } from '../generated/client';
import type { GatewayCaller } from './faults-http';

const TERMINAL = new Set(['succeeded', 'failed', 'canceled']);
/** How long past its deadline a task may take to show its end (the runner notices at its next run). */
const DEADLINE_GRACE_MS = 15_000;
const SUBMIT_TRIES = 10;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Codes a task may end with when its backend failed: docs/errors.md and ADR 0002. */
export const SENSIBLE_TASK_CODES = [
  'provider_error',
  'provider_unavailable',
  'provider_timeout',
  'provider_auth_failed',
  'timeout',
  'needs_attention',
];

/** Tasks run by a suite and how each ended, by backend kind and operation. */
export class TaskTally {
  run = 0;
  readonly ends: Record<string, Record<string, number>> = {};
  /** Mutation requests answered with a retryable problem and sent again with the same Idempotency-Key. */
  resubmitted = 0;
  /** Every task that did not succeed: where it stopped and why, for the closing note. */
  readonly failures: Array<{
    kind: string;
    operation: string;
    step?: string;
    code?: string;
    detail?: string;
  }> = [];

  record(kind: string, task: Task): void {
    this.run++;
    const end = task.status === 'failed' ? `failed:${task.error?.code}` : task.status;
    if (task.status !== 'succeeded')
      this.failures.push({
        kind,
        operation: task.operation,
        step: task.steps.find((step) => step.status === 'failed')?.name,
        code: task.error?.code,
        detail: task.error?.detail,
      });
    const key = `${kind} ${task.operation}`;
    const byEnd = (this.ends[key] ??= {});
    byEnd[end] = (byEnd[end] ?? 0) + 1;
  }

  /** Counts by terminal state over every backend and operation. */
  totals(): Record<string, number> {
    const totals: Record<string, number> = {};
    for (const byEnd of Object.values(this.ends))
      for (const [end, n] of Object.entries(byEnd)) totals[end] = (totals[end] ?? 0) + n;
    return totals;
  }
}

/**
 * Sends a mutation as a careful client does: with an Idempotency-Key, and again with the same key while the
 * gateway answers a retryable problem (it may need the backend to check the target exists).
 */
export async function submitMutation(
  caller: GatewayCaller,
  tally: TaskTally,
  method: string,
  path: string,
  body?: unknown,
): Promise<Task> {
  const key = randomUUID();
  for (let attempt = 1; ; attempt++) {
    const answer = await caller.call<Task>(method, path, body, { 'Idempotency-Key': key });
    if (answer.status === 202 || answer.status === 200) return answer.body;
    if (!answer.problem?.retryable || attempt >= SUBMIT_TRIES)
      throw new Error(`${method} ${path} → ${answer.status} ${JSON.stringify(answer.problem)}`);
    tally.resubmitted++;
    await sleep(Math.max(500, (answer.problem.retryAfter ?? 0) * 1000));
  }
}

/**
 * Long-polls a task until it ends. A task still queued or running past its own deadline (plus a grace for
 * the runner to notice) fails the test: no task may stay running forever.
 */
export async function waitTerminal(caller: GatewayCaller, taskId: string): Promise<Task> {
  for (;;) {
    const answer = await caller.get<Task>(`/v1/tasks/${taskId}?waitSeconds=5`);
    if (answer.status !== 200) throw new Error(`GET /v1/tasks/${taskId} → ${answer.status}`);
    const task = answer.body;
    if (TERMINAL.has(task.status)) return task;
    if (Date.now() > Date.parse(task.deadlineAt) + DEADLINE_GRACE_MS)
      throw new Error(`task ${task.id} (${task.operation}) still ${task.status} after its deadline`);
  }
}
