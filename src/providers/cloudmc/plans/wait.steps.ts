import { ProviderError } from '../../common/errors/gateway-error';
import type { OperationStep, StepContext, StepOutcome } from '../ports/operation-plan';
import { pollDelay } from '../ports/polling';
import { TASK_REF_KIND, type CloudmcContext } from './cloudmc.context';
import type { CmAck } from './cloudmc.types';

const TASK_KEY = 'cmTask';
const DATA_KEY = 'cmData';

function taskRef(taskId: string) {
  return { kind: TASK_REF_KIND, id: taskId };
}

/** Native id of a resource in a task result or a synchronous answer (`{id}` or the resource itself). */
export function idOf(result: unknown): string | undefined {
  const id = (result as { id?: unknown } | null)?.id;
  return typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
}

/**
 * A step that makes one CloudMC call which may start a task. `begin` answers null when there is nothing to
 * do (already in the target state), or `wait` when the resource must settle first.
 */
export function callStep(
  name: string,
  begin: (ctx: StepContext) => Promise<CmAck | null | { wait: number; providerStatus?: string }>,
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

export interface WaitTaskOptions {
  /** Native id learned from the task result (creates). */
  resultId?: boolean;
  /**
   * CloudMC forgot the task (404 after ~30 min, or never knew it): decide from the resources. Answer the
   * native id found, `true` to go on (the next step checks the resource), or false when there is no trace.
   */
  whenForgotten(ctx: StepContext): Promise<string | boolean>;
}

/** Polls the task the previous call step started, backing off from the connection's poll interval. */
export function waitTaskStep(name: string, context: CloudmcContext, options: WaitTaskOptions): OperationStep {
  return {
    name,
    async run(ctx): Promise<StepOutcome> {
      const taskId = ctx.state[TASK_KEY] as string | null | undefined;
      if (!taskId)
        return { status: 'done', nativeId: options.resultId ? idOf(ctx.state[DATA_KEY]) : undefined };
      const task = await context.client.task(taskId);
      if (!task) {
        const found = await options.whenForgotten(ctx);
        if (found === false) {
          throw new ProviderError(
            'CloudMC forgot the task and the resource shows no trace of the operation.',
            { retryable: false },
          );
        }
        return {
          status: 'done',
          providerStatus: 'EXPIRED',
          nativeId: typeof found === 'string' ? found : undefined,
        };
      }
      if (task.status === 'PENDING') {
        return {
          status: 'wait',
          delayMs: pollDelay(ctx.polls, context.backoff),
          providerStatus: 'PENDING',
          providerRef: taskRef(taskId),
        };
      }
      if (task.status === 'SUCCESS') {
        return {
          status: 'done',
          providerStatus: 'SUCCESS',
          providerRef: taskRef(taskId),
          nativeId: options.resultId ? idOf(task.result) : undefined,
        };
      }
      if (task.status === 'FAILED') {
        throw new ProviderError(`The CloudMC task failed${task.failure ? `: ${task.failure}` : '.'}`, {
          retryable: false,
        });
      }
      // go-cloudca treats any status but PENDING as finished, and only SUCCESS as success.
      throw new ProviderError(`The CloudMC task ended with an unknown status '${task.status}'.`, {
        retryable: false,
      });
    },
  };
}
