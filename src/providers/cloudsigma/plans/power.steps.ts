import { ConflictError, ProviderError, ValidationError } from '../../common/errors/gateway-error';
import type { OperationStep, StepContext, StepOutcome } from '../ports/operation-plan';
import { pollDelay } from '../ports/polling';
import {
  type CloudsigmaContext,
  readServer,
  requireServer,
  serverPath,
  statusOf,
} from './cloudsigma.context';
import { Unreadable } from './cloudsigma-readers';

// Power steps shared by the server operations and by the attach/detach tasks that must stop a server.

export type PowerAction = 'start' | 'stop' | 'shutdown' | 'reset';
type IdOf = (ctx: StepContext) => string;

/** Statuses from which a server will not come up by itself (reference §8.4: meaning undocumented). */
export const BROKEN = new Set(['dumped', 'dead']);

/**
 * One power call. The backend refuses a start on an active server and a stop on a stopped one (400 or 409,
 * [U]): when the server is where the call would have taken it anyway, that refusal is success.
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

const done = (providerStatus: string): StepOutcome => ({ status: 'done', providerStatus });

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

export interface WaitServerOptions {
  /** A server gone while stopping is done (a server that is not persistent is destroyed by a stop). */
  whenMissing: 'done' | 'fail';
  /** After the connection's grace period, follow an unanswered shutdown of ours with a hard stop. */
  graceStop?: boolean;
  /** A `dumped` or `dead` server counts as stopped (delete), instead of failing the wait. */
  acceptBroken?: boolean;
}

/**
 * Polls the server (one `/servers/info` per tick for every task in flight) until it reaches `target`. A server
 * object that fails its checks keeps the wait going (its status shows why) until it reads well again or the
 * task's deadline passes.
 */
export function waitServer(
  context: CloudsigmaContext,
  name: string,
  target: 'active' | 'stopped',
  idOf: IdOf,
  options: WaitServerOptions,
): OperationStep {
  return {
    name,
    async run(ctx) {
      const id = idOf(ctx);
      const server = await context.servers.get(id);
      const delayMs = pollDelay(ctx.polls, context.backoff);
      // An object that fails its checks is an unknown state: keep waiting, say why; the deadline decides.
      if (server instanceof Unreadable)
        return { status: 'wait', delayMs, providerStatus: server.providerStatus };
      if (!server) {
        if (options.whenMissing === 'done') return done('deleted');
        throw new ProviderError(`The server disappeared while waiting for it to be ${target}.`, {
          retryable: false,
        });
      }
      const status = statusOf(server);
      if (status === target || (options.acceptBroken && BROKEN.has(status))) return done(status);
      if (BROKEN.has(status))
        throw new ProviderError(`The server went to '${server.status}' instead of ${target}.`, {
          retryable: false,
        });
      const sentAt = ctx.state.shutdownAt as number | undefined;
      if (options.graceStop && status === 'active' && sentAt && !ctx.state.forced) {
        if (Date.now() - sentAt >= context.shutdownGraceMs) {
          await powerAction(context, id, 'stop', (s) => s === 'stopped');
          ctx.state.forced = true;
          return { status: 'wait', delayMs, providerStatus: 'guest ignored shutdown; stop sent' };
        }
      }
      return { status: 'wait', delayMs, providerStatus: status };
    },
  };
}
