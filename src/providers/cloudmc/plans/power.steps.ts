import { ConflictError } from '../../../common/errors/gateway-error';
import { pollDelay } from '../../kit/polling';
import type { OperationStep } from '../../ports/operation-plan';
import type { CmInstance } from '../client/wire';
import { callStep } from './call.steps';
import type { CloudmcContext } from './context';
import { requireInstance, stateIs } from './reads';
import { waitListed } from './wait.steps';

// Start, stop and reboot of an instance: each checks the instance's state from a fresh read before it calls
// CloudMC (docs/providers/cloudmc.md#state-rules-the-adapter-enforces); CloudMC's own wrong-state 400 is the
// backstop. Their waits read the shared instance list (docs/providers/cloudmc.md#waiting).

/** Instance states a running instance may fall into instead of running. */
export const NOT_RUNNING = ['Error', 'Destroyed', 'Expunging'];

/**
 * Waits until the instance runs. Still Stopped: the start (or the create) has not shown yet, or failed, which only
 * its task tells. `create`: the instance is found by the task's marker until its id is known.
 */
export const waitRunning = (context: CloudmcContext, create = false): OperationStep =>
  waitListed<CmInstance>(context, {
    name: 'wait-running',
    reader: context.polled.instances,
    create,
    done: (instance) => stateIs(instance, 'Running'),
    failed: (instance) =>
      stateIs(instance, ...NOT_RUNNING) ? `The instance went to ${instance.state} instead of Running.` : null,
    unchanged: (instance) => stateIs(instance, 'Stopped', 'Shutdowned'),
    whenMissing: 'task',
    status: (instance) => instance.state,
  });

/**
 * Waits until the instance is stopped; `failure` are the states that fail the task instead. Still Running: the stop
 * has not shown yet, or failed, which only its task tells.
 */
export const waitStopped = (context: CloudmcContext, failure: string[]): OperationStep =>
  waitListed<CmInstance>(context, {
    name: 'wait-stopped',
    reader: context.polled.instances,
    done: (instance) => stateIs(instance, 'Stopped', 'Shutdowned'),
    failed: (instance) =>
      stateIs(instance, ...failure) ? `The instance went to ${instance.state} instead of Stopped.` : null,
    unchanged: (instance) => stateIs(instance, 'Running'),
    whenMissing: 'task',
    status: (instance) => instance.state,
  });

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
 * `stop`: done at once when stopped, waits while starting or rebooting; a plain stop of a stopping instance just
 * waits, a forced one sends the stop again (CloudMC forces a second stop). `waitStopped` follows it.
 */
export function stopStep(context: CloudmcContext, force: boolean): OperationStep {
  return callStep('stop', async (ctx) => {
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
  });
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
