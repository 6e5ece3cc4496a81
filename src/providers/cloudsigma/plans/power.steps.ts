import {
  ConflictError,
  GatewayError,
  NotFoundError,
  ProviderError,
  ValidationError,
} from '../../../common/errors/gateway-error';
import type { OperationStep, StepContext, StepOutcome } from '../../ports/operation-plan';
import { pollDelay } from '../../kit/polling';
import { BROKEN } from '../model/states';
import type { CloudsigmaContext } from './context';
import { readServer, requireServer, serverPath, statusOf } from './reads';

// Start, stop and reboot steps, shared by the server operations and by the attach and detach tasks that must
// stop a server (docs/providers/cloudsigma.md#power-actions).

export type PowerAction = 'start' | 'stop' | 'shutdown' | 'reset';
export type IdOf = (ctx: StepContext) => string;

/**
 * One power call. The backend refuses a start on an active server and a stop on a stopped one; with which code
 * (400 or 409) is unknown (docs/providers/cloudsigma.md#power-actions): when the server is where the call would
 * have taken it anyway, that refusal is success.
 */
export async function powerAction(
  context: CloudsigmaContext,
  id: string,
  action: PowerAction,
  reached: (status: string) => boolean,
): Promise<void> {
  try {
    await context.client.action(serverPath(id, action), `servers.${action}`);
  } catch (error) {
    if (error instanceof ValidationError || error instanceof ConflictError) {
      const now = await readServer(context, id);
      if (now && reached(statusOf(now))) return;
    }
    throw error;
  }
}

export const done = (providerStatus: string): StepOutcome => ({ status: 'done', providerStatus });

/** Starts the server unless it runs already; waits while it is still being prepared (`imaging…`). */
export function startStep(context: CloudsigmaContext, name: string, idOf: IdOf): OperationStep {
  return {
    name,
    async run(ctx) {
      const id = idOf(ctx);
      const status = statusOf(await requireServer(context, id));
      if (status === 'active') return done(status);
      if (status.startsWith('imaging'))
        return { status: 'wait', delayMs: pollDelay(ctx.polls, context.backoff), providerStatus: status };
      await powerAction(context, id, 'start', (s) => s === 'active');
      return done('start sent');
    },
  };
}

/**
 * Stops the server unless it is stopped: `/stop` (hard power-off) when forced, else `/shutdown` (the ACPI
 * button, which the guest may ignore). Records when the shutdown went out, for the grace period.
 */
export function stopStep(
  context: CloudsigmaContext,
  name: string,
  force: boolean,
  idOf: IdOf,
): OperationStep {
  return {
    name,
    async run(ctx) {
      const id = idOf(ctx);
      const server = await readServer(context, id);
      const status = statusOf(server);
      // Nothing runs in a stopped, dumped or dead server: nothing to stop.
      if (!server || status === 'stopped' || BROKEN.has(status)) return done(server ? status : 'deleted');
      if (status.startsWith('imaging'))
        return { status: 'wait', delayMs: pollDelay(ctx.polls, context.backoff), providerStatus: status };
      if (force) {
        await powerAction(context, id, 'stop', (s) => s === 'stopped');
        return done('stop sent');
      }
      await powerAction(context, id, 'shutdown', (s) => s === 'stopped');
      ctx.state.shutdownAt = Date.now();
      return done('shutdown sent');
    },
  };
}

/**
 * `/reset` on a running server; a stopped one is started; a backend without `/reset` (404 or 405) gets a stop
 * and then a start, as libcloud reboots (docs/providers/cloudsigma.md#power-actions).
 */
export function rebootStep(context: CloudsigmaContext): OperationStep {
  return {
    name: 'reboot',
    async run(ctx) {
      const id = ctx.nativeId!;
      const status = statusOf(await requireServer(context, id));
      const wait = (providerStatus: string) => ({
        status: 'wait' as const,
        delayMs: pollDelay(ctx.polls, context.backoff),
        providerStatus,
      });
      if (ctx.state.fallback) {
        if (status === 'active') return wait('stopping');
        await powerAction(context, id, 'start', (s) => s === 'active');
        return { status: 'done', providerStatus: 'started again' };
      }
      if (status !== 'active') {
        await powerAction(context, id, 'start', (s) => s === 'active');
        return { status: 'done', providerStatus: 'start sent' };
      }
      try {
        await powerAction(context, id, 'reset', () => false);
        return { status: 'done', providerStatus: 'reset sent' };
      } catch (error) {
        const status = (error as GatewayError).upstream?.status;
        const unsupported =
          error instanceof NotFoundError || (error instanceof ProviderError && status === 405);
        if (!unsupported || !(await readServer(context, id))) throw error;
      }
      await powerAction(context, id, 'stop', (s) => s === 'stopped');
      ctx.state.fallback = true;
      return wait('stop sent');
    },
  };
}
