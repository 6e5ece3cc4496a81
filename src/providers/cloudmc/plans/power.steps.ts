import { ConflictError } from '../../../common/errors/gateway-error';
import { pollDelay } from '../../kit/polling';
import type { OperationStep } from '../../ports/operation-plan';
import type { CmInstance } from '../client/wire';
import { callStep } from './call.steps';
import type { CloudmcContext } from './context';
import { requireInstance, stateIs } from './reads';
import { waitInstance, waitTask } from './wait.steps';

// Start, stop and reboot of an instance: each checks the instance's state from a fresh read before it calls
// CloudMC (docs/providers/cloudmc.md#state-rules-the-adapter-enforces); CloudMC's own wrong-state 400 is the
// backstop.

/** Instance states a running instance may fall into instead of running. */
export const NOT_RUNNING = ['Error', 'Destroyed', 'Expunging'];

/** Waits until the instance runs. */
export const waitRunning = (context: CloudmcContext): OperationStep =>
  waitInstance(context, 'wait-running', ['Running'], NOT_RUNNING);

/** Waits until the instance is stopped; `failure` are the states that fail the task instead. */
export const waitStopped = (context: CloudmcContext, failure: string[]): OperationStep =>
  waitInstance(context, 'wait-stopped', ['Stopped', 'Shutdowned'], failure);

/** `start`: done at once when running or starting, waits while stopping, needs Stopped. */
export function startStep(context: CloudmcContext): OperationStep {
  return callStep('start', async (ctx) => {
    const instance = await requireInstance(context, ctx.nativeId!);
    if (stateIs(instance, 'Running', 'Starting')) return null;
    if (stateIs(instance, 'Stopping'))
      return {
        wait: pollDelay(ctx.polls, context.backoff),
        providerStatus: instance.state ?? undefined,
      };
    if (!stateIs(instance, 'Stopped', 'Shutdowned')) throw wrongState(instance, 'start', ['Stopped']);
    return context.client.mutate('POST', 'instances', { id: ctx.nativeId!, operation: 'start' });
  });
}

/**
 * `stop` and the wait for its task: done at once when stopped, waits while starting or rebooting; a plain stop
 * of a stopping instance just waits, a forced one sends the stop again (CloudMC forces a second stop).
 */
export function stopSteps(context: CloudmcContext, force: boolean): OperationStep[] {
  return [
    callStep('stop', async (ctx) => {
      const instance = await requireInstance(context, ctx.nativeId!);
      if (stateIs(instance, 'Stopped', 'Shutdowned')) return null;
      if (stateIs(instance, 'Starting', 'Rebooting'))
        return {
          wait: pollDelay(ctx.polls, context.backoff),
          providerStatus: instance.state ?? undefined,
        };
      if (stateIs(instance, 'Stopping') && !force) return null;
      if (!stateIs(instance, 'Running', 'Stopping')) throw wrongState(instance, 'stop', ['Running']);
      return context.client.mutate('POST', 'instances', {
        id: ctx.nativeId!,
        operation: 'stop',
        body: force ? { forceStop: true } : {},
      });
    }),
    waitTask('wait-stop-task', context),
  ];
}

/** `reboot`: waits while the instance is in transition, needs Running or Stopped. */
export function rebootStep(context: CloudmcContext): OperationStep {
  return callStep('reboot', async (ctx) => {
    const instance = await requireInstance(context, ctx.nativeId!);
    if (stateIs(instance, 'Starting', 'Stopping', 'Rebooting'))
      return {
        wait: pollDelay(ctx.polls, context.backoff),
        providerStatus: instance.state ?? undefined,
      };
    if (!stateIs(instance, 'Running', 'Stopped', 'Shutdowned'))
      throw wrongState(instance, 'reboot', ['Running', 'Stopped']);
    return context.client.mutate('POST', 'instances', { id: ctx.nativeId!, operation: 'reboot' });
  });
}

export function wrongState(instance: CmInstance, operation: string, expected: string[]): ConflictError {
  return new ConflictError(
    `Cannot ${operation} an instance that is ${instance.state}; expected ${expected.join(' or ')}.`,
    {
      extensions: { currentState: instance.state ?? null, expectedStates: expected },
    },
  );
}
