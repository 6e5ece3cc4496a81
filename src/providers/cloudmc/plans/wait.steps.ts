import { ProviderError } from '../../../common/errors/gateway-error';
import { pollDelay, waitFor } from '../../kit/polling';
import type { OperationStep, StepContext, StepOutcome } from '../../ports/operation-plan';
import { type CmInstance, INSTANCE } from '../client/wire';
import { DATA_KEY, idOf, TASK_KEY, taskRef } from './call.steps';
import type { CloudmcContext } from './context';
import { stateIs } from './reads';

export interface WaitTaskOptions {
  /** Native id learned from the task result (creates). */
  resultId?: boolean;
  /**
   * CloudMC forgot the task (404 after ~30 min, or never knew it): decide from the resources. Answer the
   * native id found, `true` to go on (the next step checks the resource), or false when there is no trace
   * (docs/providers/cloudmc.md#tasks).
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

/** The wait for a task that, once forgotten, leaves the check to the step after it. */
export const waitTask = (name: string, context: CloudmcContext): OperationStep =>
  waitTaskStep(name, context, { whenForgotten: async () => true });

/**
 * Polls the instance until it is in one of the `target` states; one of the `failure` states fails the task.
 * A missing instance is waited for (a create's instance may not be listed yet).
 */
export function waitInstance(
  context: CloudmcContext,
  name: string,
  target: string[],
  failure: string[],
): OperationStep {
  return waitFor<CmInstance>({
    name,
    read: (ctx) => context.client.getOf('instances', ctx.nativeId!, INSTANCE),
    done: (instance) => stateIs(instance, ...target),
    failed: (instance) =>
      stateIs(instance, ...failure)
        ? `The instance went to ${instance.state} instead of ${target.join(' or ')}.`
        : null,
    whenMissing: 'wait',
    backoff: context.backoff,
    describe: (instance) => ({ providerStatus: instance.state ?? undefined }),
  });
}
