import type { OperationStep, StepContext } from '../../ports/operation-plan';
import { pollDelay } from '../../kit/polling';
import type { KvObject } from '../client/codec';
import type { CloudsigmaContext } from './context';
import { done, powerAction, startStep, stopStep } from './power.steps';
import { requireServer, serverPath, statusOf } from './reads';
import { waitServer } from './wait.steps';

type Plain = string | number | boolean | null | undefined;

/**
 * An attach or detach (a drive, a static IP): a change 1.0 makes only on a stopped server
 * (docs/providers/cloudsigma.md#attach-and-detach). The steps decide which server, stop it if it runs, `set`,
 * and start it again if it ran. The task shows each of these steps; those not needed finish at once saying so.
 */
export interface AttachChange {
  prepareName: string;
  changeName: string;
  /** The server to change, or null when there is nothing to do; `wait` while the object must settle first. */
  prepare(ctx: StepContext): Promise<{ serverId: string | null } | { wait: true; providerStatus: string }>;
  /** The change is in place on this server already. */
  applied(server: KvObject, ctx: StepContext): boolean;
  /** The `/servers/UUID/set` body. */
  change(server: KvObject, ctx: StepContext): Record<string, Plain>;
}

/**
 * Any change that must happen while a server is stopped (attach, detach, resize, a new boot drive, a drive's size):
 * decide, stop the server if it runs, change, start it again if it ran. The change is not necessarily a `set` of
 * that server (a drive's size is set on the drive).
 */
export interface StoppedChange {
  prepareName: string;
  changeName: string;
  /**
   * The server that must be stopped for the change (null: none), `skip` when there is nothing to do at all, or
   * `wait` while an object must settle first.
   */
  prepare(
    ctx: StepContext,
  ): Promise<{ serverId: string | null; skip?: boolean } | { wait: true; providerStatus: string }>;
  /** The change is in place already (`server`: the one to stop, read now, or null). */
  applied(ctx: StepContext, server: KvObject | null): Promise<boolean> | boolean;
  /** Makes the change; the server, if any, is stopped. Answers what the step shows. */
  apply(ctx: StepContext, server: KvObject | null): Promise<string>;
}

const serverOf = (ctx: StepContext) => ctx.state.serverId as string | null | undefined;

export function attachSteps(context: CloudsigmaContext, spec: AttachChange): OperationStep[] {
  return stoppedChangeSteps(context, {
    prepareName: spec.prepareName,
    changeName: spec.changeName,
    async prepare(ctx) {
      const decided = await spec.prepare(ctx);
      return 'wait' in decided || decided.serverId ? decided : { serverId: null, skip: true };
    },
    // Without a server there is nothing to change (a task prepared before `skip` existed).
    applied: (ctx, server) => !server || spec.applied(server, ctx),
    async apply(ctx, server) {
      await context.client.post(serverPath(server!.server!, 'set'), spec.change(server!, ctx), 'servers.set');
      return 'set';
    },
  });
}

export function stoppedChangeSteps(context: CloudsigmaContext, spec: StoppedChange): OperationStep[] {
  const idOf = (ctx: StepContext) => serverOf(ctx)!;
  const stop = stopStep(context, 'stop-server', false, idOf);
  const waitStopped = waitServer(context, 'wait-stopped', 'stopped', idOf, {
    whenMissing: 'fail',
    graceStop: true,
  });
  const start = startStep(context, 'start-server', idOf);
  const waitRunning = waitServer(context, 'wait-running', 'active', idOf, { whenMissing: 'fail' });
  const unless = (skip: (ctx: StepContext) => boolean, step: OperationStep): OperationStep => ({
    name: step.name,
    run: (ctx) => (skip(ctx) ? Promise.resolve(done('not needed')) : step.run(ctx)),
  });
  const noRestart = (ctx: StepContext) => !serverOf(ctx) || !ctx.state.wasRunning;
  return [
    {
      name: spec.prepareName,
      async run(ctx) {
        const decided = await spec.prepare(ctx);
        if ('wait' in decided)
          return {
            status: 'wait',
            delayMs: pollDelay(ctx.polls, context.backoff),
            providerStatus: decided.providerStatus,
          };
        ctx.state.serverId = decided.serverId;
        ctx.state.skip = !!decided.skip;
        if (decided.skip) return done('nothing to do');
        if (!decided.serverId) return done('no server to stop');
        const server = await requireServer(context, decided.serverId);
        // Whether to start it again afterwards: decided once, before anything changes.
        const active = statusOf(server) === 'active';
        ctx.state.wasRunning = active && !(await spec.applied(ctx, server));
        if (ctx.state.wasRunning) return done('server must stop');
        return done(active ? 'in place already' : 'server is stopped');
      },
    },
    unless(noRestart, stop),
    unless((ctx) => !serverOf(ctx) || ctx.state.shutdownAt === undefined, waitStopped),
    {
      name: spec.changeName,
      async run(ctx) {
        if (ctx.state.skip) return done('not needed');
        const id = serverOf(ctx);
        const server = id ? await requireServer(context, id) : null;
        if (await spec.applied(ctx, server)) return done('in place');
        if (id && statusOf(server) === 'active') {
          // Started again by someone else meanwhile: it must be stopped for the change.
          await powerAction(context, id, 'stop', (s) => s === 'stopped');
          return {
            status: 'wait',
            delayMs: pollDelay(ctx.polls, context.backoff),
            providerStatus: 'stop sent',
          };
        }
        return done(await spec.apply(ctx, server));
      },
    },
    unless(noRestart, start),
    unless(noRestart, waitRunning),
  ];
}
