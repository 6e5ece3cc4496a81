import type { OperationStep, StepContext, StepOutcome } from '../../ports/operation-plan';
import type { CmAck } from '../client/http.client';

/** The `providerRef.kind` of a CloudMC task. */
export const TASK_REF_KIND = 'cloudmc-task';

/**
 * Step state the call step leaves for the wait step after it (wait.steps.ts): the task to poll, or the data of
 * an answer that came without a task.
 */
export const TASK_KEY = 'cmTask';
export const DATA_KEY = 'cmData';

export function taskRef(taskId: string) {
  return { kind: TASK_REF_KIND, id: taskId };
}

/** Native id of a resource in a task result or a synchronous answer (`{id}` or the resource itself). */
export function idOf(result: unknown): string | undefined {
  const id = (result as { id?: unknown } | null)?.id;
  return typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
}

/** What a call step's `begin` answers: the call's acknowledgement, null (nothing to do) or a wait. */
export type CallBegin = CmAck | null | { wait: number; providerStatus?: string };

/**
 * A step that makes one CloudMC call which may start a task (docs/providers/cloudmc.md#tasks). `begin` answers
 * null when there is nothing to do (already in the target state), or `wait` when the resource must settle first.
 */
export function callStep(
  name: string,
  begin: (ctx: StepContext) => Promise<CallBegin>,
  options: { idempotent?: boolean } = {},
): OperationStep {
  return {
    name,
    idempotent: options.idempotent,
    async run(ctx): Promise<StepOutcome> {
      const ack = await begin(ctx);
      if (ack && 'wait' in ack)
        return { status: 'wait', delayMs: ack.wait, providerStatus: ack.providerStatus };
      ctx.state[TASK_KEY] = ack?.taskId ?? null;
      ctx.state[DATA_KEY] = ack && !ack.taskId ? (ack.data ?? null) : null;
      if (!ack?.taskId) return { status: 'done', nativeId: idOf(ack?.data) };
      return {
        status: 'done',
        providerRef: taskRef(ack.taskId),
        providerStatus: ack.taskStatus ?? 'PENDING',
      };
    },
  };
}
