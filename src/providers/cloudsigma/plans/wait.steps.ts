import { ProviderError } from '../../../common/errors/gateway-error';
import type { OperationStep, StepContext } from '../../ports/operation-plan';
import { untilListed } from '../../kit/coalesced-reader';
import { pollDelay, waitFor } from '../../kit/polling';
import type { KvObject } from '../client/codec';
import { BROKEN, imagingProgress, isImaging } from '../model/states';
import type { CloudsigmaContext } from './context';
import { done, type IdOf, powerAction } from './power.steps';
import { type PolledReader, statusOf, Unreadable } from './reads';

// Waiting on CloudSigma: 1.0 has no task objects, so every wait polls the object's own status through one
// list read per tick shared by all tasks of every worker process (docs/providers/cloudsigma.md#no-backend-tasks,
// docs/design.md#coalesced-polling). A wait judges only a list begun after it started (`untilListed`).

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
  return untilListed({
    name,
    async run(ctx) {
      const id = idOf(ctx);
      const server = await context.servers.get(id, ctx.stepStartedAt);
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
  });
}

/**
 * Polls a cloned drive until its copy ended (docs/providers/cloudsigma.md#drive-states-and-imaging). A drive
 * object that fails its checks keeps the wait going (an unknown state), saying why.
 */
export function waitImaging(context: CloudsigmaContext, driveIdOf: IdOf): OperationStep {
  const step = waitFor<KvObject | Unreadable>({
    name: 'wait-imaging',
    read: (ctx) => context.drives.get(driveIdOf(ctx), ctx.stepStartedAt),
    done: (drive) => !(drive instanceof Unreadable) && !isImaging(drive),
    failed: (drive) =>
      !(drive instanceof Unreadable) && drive.status === 'inactive'
        ? 'The cloned drive went inactive while imaging.'
        : null,
    whenMissing: 'fail',
    backoff: context.backoff,
    describe: (drive) =>
      drive instanceof Unreadable
        ? { providerStatus: drive.providerStatus }
        : {
            providerStatus:
              drive.imaging !== undefined ? `imaging ${drive.imaging}` : (drive.status ?? undefined),
            progress: imagingProgress(drive),
          },
  });
  return untilListed(step);
}

/**
 * Polls until the object is gone from its list. Gone from a list that may hide it (an object without a usable
 * id makes every id it lacks unreadable): only the object's own read tells.
 */
export function waitGone(
  context: CloudsigmaContext,
  polled: PolledReader,
  fetchOne: (id: string) => Promise<KvObject | null>,
  statusShown: (object: KvObject) => string,
): OperationStep {
  return untilListed({
    name: 'wait-deleted',
    async run(ctx: StepContext) {
      const object = await polled.get(ctx.nativeId!, ctx.stepStartedAt);
      if (object instanceof Unreadable && !(await fetchOne(ctx.nativeId!))) return done('deleted');
      if (!object) return done('deleted');
      return {
        status: 'wait',
        delayMs: pollDelay(ctx.polls, context.backoff),
        providerStatus: object instanceof Unreadable ? object.providerStatus : statusShown(object),
      };
    },
  });
}
