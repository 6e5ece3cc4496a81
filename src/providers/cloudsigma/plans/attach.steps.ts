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

const serverOf = (ctx: StepContext) => ctx.state.serverId as string | null | undefined;

export function attachSteps(context: CloudsigmaContext, spec: AttachChange): OperationStep[] {
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
        if (!decided.serverId) return done('nothing to do');
        const server = await requireServer(context, decided.serverId);
        // Whether to start it again afterwards: decided once, before anything changes.
        ctx.state.wasRunning = statusOf(server) === 'active' && !spec.applied(server, ctx);
        return done(ctx.state.wasRunning ? 'server must stop' : 'server is stopped');
      },
    },
    unless((ctx) => !serverOf(ctx) || !ctx.state.wasRunning, stop),
    unless((ctx) => !serverOf(ctx) || ctx.state.shutdownAt === undefined, waitStopped),
    {
      name: spec.changeName,
      async run(ctx) {
        const id = serverOf(ctx);
        if (!id) return done('not needed');
        const server = await requireServer(context, id);
        if (spec.applied(server, ctx)) return done('in place');
        if (statusOf(server) === 'active') {
          // Started again by someone else meanwhile: it must be stopped for the change.
          await powerAction(context, id, 'stop', (s) => s === 'stopped');
          return {
            status: 'wait',
            delayMs: pollDelay(ctx.polls, context.backoff),
            providerStatus: 'stop sent',
          };
        }
        await context.client.post(serverPath(id, 'set'), spec.change(server, ctx), 'servers.set');
        return done('set');
      },
    },
    unless((ctx) => !serverOf(ctx) || !ctx.state.wasRunning, start),
    unless((ctx) => !serverOf(ctx) || !ctx.state.wasRunning, waitRunning),
  ];
}
