import { GatewayError, NotFoundError, ProviderError } from '../../common/errors/gateway-error';
import type { Server } from '../../domain/server.dto';
import { ResourceType } from '../../domain/states';
import type { OperationPlan, OperationStep, StepContext } from '../ports/operation-plan';
import type { OperationRequest } from '../ports/operations';
import type { ServerPort } from '../ports/ports';
import { pollDelay } from '../ports/polling';
import {
  type CloudsigmaContext,
  drivePath,
  fetchServer,
  fetchServers,
  readServer,
  requireServer,
  serverPath,
  statusOf,
} from './cloudsigma.context';
import { devicesOf } from './cloudsigma-devices';
import { toServer } from './cloudsigma.mapper';
import { powerAction, startStep, stopStep, waitServer } from './cloudsigma-power.steps';
import { serverCreatePlan } from './cloudsigma-server-create';
import { type Listed, mapListed, mapOne } from '../ports/wire';
import { CloudsigmaServer } from './cloudsigma.wire';
import { Unreadable } from './cloudsigma-readers';

const ACTION_DEADLINE_S = 600;
const idOf = (ctx: StepContext) => ctx.nativeId!;

/** Servers = CloudSigma 1.0 servers; 1.0 has no tasks, so every operation polls `…/info` for the status. */
export class CloudsigmaServers implements ServerPort {
  constructor(private readonly context: CloudsigmaContext) {}

  async list(): Promise<Listed<Server>> {
    return mapListed(
      await fetchServers(this.context),
      CloudsigmaServer,
      (s) => toServer(this.context.map, s),
      this.context.limits,
      CloudsigmaServer.nativeIdOf,
    );
  }

  async get(nativeId: string): Promise<Server | null> {
    const server = await fetchServer(this.context, nativeId);
    return server ? mapOne(server, CloudsigmaServer, (s) => toServer(this.context.map, s)) : null;
  }

  create(request: OperationRequest<'server.create'>): OperationPlan {
    return serverCreatePlan(this.context, request);
  }

  start(_request: OperationRequest<'server.start'>): OperationPlan {
    return this.plan(
      [
        startStep(this.context, 'start', idOf),
        waitServer(this.context, 'wait-running', 'active', idOf, { whenMissing: 'fail' }),
      ],
      'active',
    );
  }

  /** `force` = `/stop` (power cut); otherwise `/shutdown` (ACPI), and the deadline decides if the guest ignores it. */
  stop(request: OperationRequest<'server.stop'>): OperationPlan {
    const force = request.input.force;
    return this.plan(
      [
        stopStep(this.context, force ? 'stop' : 'shutdown', force, idOf),
        waitServer(this.context, 'wait-stopped', 'stopped', idOf, { whenMissing: 'done' }),
      ],
      'stopped',
    );
  }

  /** `/reset` on a running server; a stopped one is started; without `/reset`, stop then start (libcloud). */
  reboot(_request: OperationRequest<'server.reboot'>): OperationPlan {
    const reboot: OperationStep = {
      name: 'reboot',
      run: async (ctx) => {
        const id = ctx.nativeId!;
        const status = statusOf(await requireServer(this.context, id));
        const wait = (providerStatus: string) => ({
          status: 'wait' as const,
          delayMs: pollDelay(ctx.polls, this.context.backoff),
          providerStatus,
        });
        if (ctx.state.fallback) {
          if (status === 'active') return wait('stopping');
          await powerAction(this.context, id, 'start', (s) => s === 'active');
          return { status: 'done', providerStatus: 'started again' };
        }
        if (status !== 'active') {
          await powerAction(this.context, id, 'start', (s) => s === 'active');
          return { status: 'done', providerStatus: 'start sent' };
        }
        try {
          await powerAction(this.context, id, 'reset', () => false);
          return { status: 'done', providerStatus: 'reset sent' };
        } catch (error) {
          const status = (error as GatewayError).upstream?.status;
          const unsupported =
            error instanceof NotFoundError || (error instanceof ProviderError && status === 405);
          if (!unsupported || !(await readServer(this.context, id))) throw error;
        }
        await powerAction(this.context, id, 'stop', (s) => s === 'stopped');
        ctx.state.fallback = true;
        return wait('stop sent');
      },
    };
    const plan = this.plan(
      [reboot, waitServer(this.context, 'wait-running', 'active', idOf, { whenMissing: 'fail' })],
      'active',
    );
    // A server that runs again looks as it did before: only an answered reset (or start) counts (issue 12).
    return { ...plan, effectStep: 'reboot' };
  }

  /** `/set` with the new name; a name may change while the server runs. */
  rename(request: OperationRequest<'server.rename'>): OperationPlan {
    const name = request.input.name;
    return {
      resourceType: ResourceType.Server,
      steps: [
        {
          name: 'rename',
          run: async (ctx) => {
            const [server] = await this.context.client.post(
              serverPath(ctx.nativeId!, 'set'),
              { name },
              'servers.set',
            );
            return {
              status: 'done',
              providerStatus: server?.status ?? undefined,
              resource: server?.server ? toServer(this.context.map, server) : undefined,
            };
          },
        },
      ],
      deadlineSeconds: ACTION_DEADLINE_S,
      reconcile: async (ctx) => (await readServer(this.context, ctx.nativeId!))?.name === name,
    };
  }

  /**
   * Shut down (hard stop after the grace period), destroy, wait until gone. Drives are kept (1.0 keeps them),
   * unless the connection sets `deleteDrives`: then the server's disks chosen before the destroy go too.
   */
  delete(_request: OperationRequest<'server.delete'>): OperationPlan {
    const { context } = this;
    const remember: OperationStep = {
      name: 'stop',
      run: async (ctx) => {
        const server = await readServer(context, ctx.nativeId!);
        if (server && context.deleteDrives && !ctx.state.driveIds)
          ctx.state.driveIds = devicesOf(server)
            .filter((d) => d.media === 'disk')
            .map((d) => d.driveId);
        return stopStep(context, 'stop', false, idOf).run(ctx);
      },
    };
    const steps: OperationStep[] = [
      remember,
      waitServer(context, 'wait-stopped', 'stopped', idOf, {
        whenMissing: 'done',
        graceStop: true,
        acceptBroken: true,
      }),
      {
        name: 'destroy',
        run: async (ctx) => {
          if (!(await readServer(context, ctx.nativeId!)))
            return { status: 'done', providerStatus: 'deleted' };
          await context.client.action(serverPath(ctx.nativeId!, 'destroy'), 'servers.destroy');
          return { status: 'done', providerStatus: 'destroy sent' };
        },
      },
      {
        name: 'wait-deleted',
        run: async (ctx) => {
          const server = await context.servers.get(ctx.nativeId!);
          // Gone from a list that may hide it (an object without a usable id): only its own read tells.
          if (server instanceof Unreadable && !(await fetchServer(context, ctx.nativeId!)))
            return { status: 'done', providerStatus: 'deleted' };
          if (!server) return { status: 'done', providerStatus: 'deleted' };
          return {
            status: 'wait',
            delayMs: pollDelay(ctx.polls, context.backoff),
            providerStatus: server instanceof Unreadable ? server.providerStatus : statusOf(server),
          };
        },
      },
    ];
    if (context.deleteDrives) steps.push(this.destroyDrivesStep());
    return {
      resourceType: ResourceType.Server,
      steps,
      deadlineSeconds: ACTION_DEADLINE_S,
      reconcile: async (ctx) => !(await readServer(context, ctx.nativeId!)),
    };
  }

  private destroyDrivesStep(): OperationStep {
    return {
      name: 'destroy-drives',
      run: async (ctx) => {
        const ids = (ctx.state.driveIds as string[] | undefined) ?? [];
        for (const id of ids) {
          try {
            await this.context.client.action(drivePath(id, 'destroy'), 'drives.destroy');
          } catch (error) {
            // Gone already, or shared with another server: nothing for this task to remove.
            if (!(error instanceof GatewayError) || !['not_found', 'conflict'].includes(error.code))
              throw error;
          }
        }
        return { status: 'done', providerStatus: `${ids.length} drive(s) destroyed` };
      },
    };
  }

  private plan(steps: OperationStep[], target: 'active' | 'stopped'): OperationPlan {
    return {
      resourceType: ResourceType.Server,
      steps,
      deadlineSeconds: ACTION_DEADLINE_S,
      reconcile: async (ctx) => statusOf(await readServer(this.context, ctx.nativeId!)) === target,
    };
  }
}
