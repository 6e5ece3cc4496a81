import { ProviderError } from '../../../common/errors/gateway-error';
import { untilListed } from '../../kit/coalesced-reader';
import { pollDelay } from '../../kit/polling';
import { idOf as wireIdOf } from '../../kit/wire';
import type { OperationStep, StepContext, StepOutcome } from '../../ports/operation-plan';
import type { CmTaskView } from '../client/http.client';
import { DATA_KEY, idOf, TASK_KEY, taskRef } from './call.steps';
import type { CloudmcContext } from './context';
import { type PolledEntities, Unreadable } from './reads';

// Waiting on CloudMC (docs/providers/cloudmc.md#waiting): where the resource shows the operation's end, the wait
// reads the connection's shared list of its type, one list call per tick for every task of every worker
// (docs/design.md#coalesced-polling), and reads the task only while the resource shows nothing of the operation
// yet (the state before the call, which is also what a failed task leaves); where it cannot show it, the wait polls
// the task's own id.

/**
 * Step state: the id of the last task whose end a step has read (SUCCESS, or forgotten), so that the waits after
 * it do not read it again.
 */
export const TASK_ENDED_KEY = 'cmTaskEnded';

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

/**
 * Polls the task the previous call step started, backing off from the connection's poll interval: for what the
 * resource cannot show (docs/providers/cloudmc.md#waiting says which).
 */
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
        ctx.state[TASK_ENDED_KEY] = taskId;
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
      ended(task);
      ctx.state[TASK_ENDED_KEY] = taskId;
      return {
        status: 'done',
        providerStatus: 'SUCCESS',
        providerRef: taskRef(taskId),
        nativeId: options.resultId ? idOf(task.result) : undefined,
      };
    },
  };
}

/** The wait for a task that, once forgotten, leaves the check to the step after it. */
export const waitTask = (name: string, context: CloudmcContext): OperationStep =>
  waitTaskStep(name, context, { whenForgotten: async () => true });

/** Passes a task that succeeded; throws for one that failed or ended in a status nobody knows. */
function ended(task: CmTaskView): void {
  if (task.status === 'SUCCESS') return;
  if (task.status === 'FAILED') {
    throw new ProviderError(`The CloudMC task failed${task.failure ? `: ${task.failure}` : '.'}`, {
      retryable: false,
    });
  }
  // go-cloudca treats any status but PENDING as finished, and only SUCCESS as success.
  throw new ProviderError(`The CloudMC task ended with an unknown status '${task.status}'.`, {
    retryable: false,
  });
}

export interface WaitListedOptions<T> {
  name: string;
  /** The shared list the item is in. */
  reader: PolledEntities<T>;
  /**
   * A create's wait: until its id is known, the item is the one that carries this task's marker, and the step
   * names it (docs/providers/cloudmc.md#creates-after-a-crash).
   */
  create?: boolean;
  /** Another item than the task's resource (the server a volume resize reboots); null: nothing to wait for. */
  idOf?(ctx: StepContext): string | null;
  /** The item shows the operation's end. */
  done(item: T, ctx: StepContext): boolean;
  /** A failure message when the item shows the operation failed; null otherwise. */
  failed?(item: T): string | null;
  /**
   * The item shows nothing of the operation yet: as before the call, which is also what a failed task leaves
   * behind. Only the task can tell then, so it is read (once it ended, no more).
   */
  unchanged?(item: T, ctx: StepContext): boolean;
  /**
   * What a missing item means: the goal (deletes), a failure (it was there before the call), or nothing yet (a
   * create, or CloudMC slow to list: then the task is read).
   */
  whenMissing: 'done' | 'fail' | 'task';
  /** The backend's status shown while waiting. */
  status(item: T): string | null | undefined;
}

/**
 * Waits for an item of a shared list to show the operation's end (docs/providers/cloudmc.md#waiting). The task of
 * the call before is read only when the item shows nothing of the operation yet (or a create's item is not listed):
 * PENDING waits, FAILED fails with CloudMC's message, SUCCESS or forgotten leaves the item to decide (a create
 * learns its id from a task result when its item is not listed yet; a create whose task was forgotten and whose item
 * is nowhere fails). An item that fails its checks keeps the wait going, saying why.
 */
export function waitListed<T>(context: CloudmcContext, options: WaitListedOptions<T>): OperationStep {
  return untilListed({
    name: options.name,
    async run(ctx): Promise<StepOutcome> {
      const taskId = (ctx.state[TASK_KEY] as string | null | undefined) ?? null;
      const providerRef = taskId ? taskRef(taskId) : undefined;
      const wait = (providerStatus: string | null | undefined, nativeId?: string): StepOutcome => ({
        status: 'wait',
        delayMs: pollDelay(ctx.polls, context.backoff),
        providerStatus: providerStatus ?? undefined,
        providerRef,
        nativeId,
      });
      const id = options.idOf ? options.idOf(ctx) : ctx.nativeId;
      if (options.idOf && !id) return { status: 'done' };
      const item =
        options.create && !id
          ? await options.reader.marked(ctx.taskId, ctx.stepStartedAt)
          : await options.reader.get(id!, ctx.stepStartedAt);
      if (item instanceof Unreadable) return wait(item.providerStatus);
      // A create names what it found: the engine keeps it from the first poll on, for a cancel or a deadline.
      const named = options.create && item ? (wireIdOf(item) ?? undefined) : undefined;
      if (item) {
        const failure = options.failed?.(item);
        if (failure) throw new ProviderError(failure, { retryable: false });
        const status = options.status(item);
        if (options.done(item, ctx))
          return { status: 'done', nativeId: named, providerStatus: status ?? undefined, providerRef };
        if (!options.unchanged?.(item, ctx)) return wait(status, named);
      } else if (options.whenMissing === 'done') {
        return { status: 'done', providerStatus: 'deleted', providerRef };
      } else if (options.whenMissing === 'fail') {
        throw new ProviderError(`The resource disappeared while waiting (${options.name}).`, {
          retryable: false,
        });
      }
      // The resource shows nothing of the operation: only its task can tell whether it runs, failed or ended.
      const shown = item ? options.status(item) : 'not-found';
      if (!taskId || ctx.state[TASK_ENDED_KEY] === taskId) return wait(shown, named);
      const task = await context.client.task(taskId);
      if (!task) {
        ctx.state[TASK_ENDED_KEY] = taskId;
        // A create with nothing in a list begun after its call (or no more: a failed create is removed).
        if (!item && options.create) {
          throw new ProviderError(
            'CloudMC forgot the task and the resource shows no trace of the operation.',
            { retryable: false },
          );
        }
        return wait('EXPIRED', named);
      }
      if (task.status === 'PENDING') return wait('PENDING', named);
      ended(task);
      ctx.state[TASK_ENDED_KEY] = taskId;
      // Listed late: the task's result names what it made, and the next polls read it by that id.
      const learned = options.create && !id && !item ? idOf(task.result) : undefined;
      return wait('SUCCESS', named ?? learned);
    },
  });
}
