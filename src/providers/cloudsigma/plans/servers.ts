import { GatewayError } from '../../../common/errors/gateway-error';
import { ResourceType } from '../../../domain/states';
import { type Listed, mapListed, mapOne } from '../../kit/wire';
import type { NativeServer } from '../../ports/native';
import type { OperationPlan, OperationStep, StepContext } from '../../ports/operation-plan';
import type { OperationRequest } from '../../ports/operations';
import type { ServerReader } from '../../ports/ports';
import type { KvObject } from '../client/codec';
import { CloudsigmaServer } from '../client/wire';
import { devicesOf } from '../model/devices';
import { checkLabels, labelsOf, relabelFields, sameLabels } from '../model/labels';
import { toServer } from '../model/mapper';
import { type Sizing, sizingOf } from '../model/sizing';
import { stoppedChangeSteps } from './attach.steps';
import type { CloudsigmaContext } from './context';
import { serverCreatePlan } from './create.steps';
import { rebootStep, startStep, stopStep } from './power.steps';
import { serverRebuildPlan } from './rebuild.steps';
import {
  drivePath,
  fetchServer,
  fetchServers,
  readServer,
  requireServer,
  serverPath,
  statusOf,
} from './reads';
import { waitGone, waitServer } from './wait.steps';

const ACTION_DEADLINE_S = 600;
const idOf = (ctx: StepContext) => ctx.nativeId!;

/** The server has these sizes already (`smp auto` never matches a core count). */
const sized = (server: KvObject | null, sizing: Sizing) =>
  !!server &&
  server.cpu === String(sizing.cpu) &&
  server.smp === String(sizing.smp) &&
  server.mem === String(sizing.mem);

/** Servers = CloudSigma 1.0 servers (docs/providers/cloudsigma.md#servers). */
export class CloudsigmaServerReader implements ServerReader {
  constructor(private readonly context: CloudsigmaContext) {}

  async list(): Promise<Listed<NativeServer>> {
    return mapListed(
      await fetchServers(this.context),
      CloudsigmaServer,
      (s) => toServer(this.context.map, s),
      this.context.limits,
      CloudsigmaServer.nativeIdOf,
    );
  }

  async get(nativeId: string): Promise<NativeServer | null> {
    const server = await fetchServer(this.context, nativeId);
    return server ? mapOne(server, CloudsigmaServer, (s) => toServer(this.context.map, s)) : null;
  }
}

/** The server operations; 1.0 has no tasks, so every one polls `…/info` for the status. */
export class CloudsigmaServerPlans {
  constructor(private readonly context: CloudsigmaContext) {}

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

  reboot(_request: OperationRequest<'server.reboot'>): OperationPlan {
    const plan = this.plan(
      [
        rebootStep(this.context),
        waitServer(this.context, 'wait-running', 'active', idOf, { whenMissing: 'fail' }),
      ],
      'active',
    );
    // A server that runs again looks as it did before: only an answered reset (or start) counts.
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
   * Makes the server carry exactly `input.labels` as `user:` lines: one `set` of what changed (removed labels sent
   * empty, which clears them), whatever the server's state, since `user:` keys may change while it runs
   * (docs/providers/cloudsigma.md#labels). The gateway's own keys are never sent. Setting the same labels again
   * changes nothing, so a resumed step just sets what is still missing.
   */
  relabel(request: OperationRequest<'server.relabel'>): OperationPlan {
    const { labels } = request.input;
    checkLabels(labels);
    return {
      resourceType: ResourceType.Server,
      steps: [
        {
          name: 'relabel',
          run: async (ctx) => {
            const server = await requireServer(this.context, ctx.nativeId!);
            const body = relabelFields(server, labels);
            if (!Object.keys(body).length) return { status: 'done', providerStatus: 'in place' };
            const answer = await this.context.client.post(
              serverPath(ctx.nativeId!, 'set'),
              body,
              'servers.set',
            );
            const fresh = answer.find((o) => CloudsigmaServer.is(o));
            return {
              status: 'done',
              providerStatus: 'set',
              resource: fresh ? toServer(this.context.map, fresh) : undefined,
            };
          },
        },
      ],
      deadlineSeconds: ACTION_DEADLINE_S,
      reconcile: async (ctx) => {
        const server = await readServer(this.context, ctx.nativeId!);
        return !!server && sameLabels(labelsOf(server), labels);
      },
    };
  }

  /**
   * New CPU (`cpu` MHz, `smp` cores) and memory (`mem` MB) by `set`, which 1.0 takes on a stopped server only: a
   * running server is stopped (shutdown, hard stop after the grace period) and started again, each a visible step,
   * as an attach does (docs/providers/cloudsigma.md#resize). A preset `planId`, or `cpuCores` + `memoryMb`, checked
   * before any backend call; sizes the server has already change nothing and stop nothing.
   */
  resize(request: OperationRequest<'server.resize'>): OperationPlan {
    const sizing = sizingOf(request.input);
    const { context } = this;
    return {
      resourceType: ResourceType.Server,
      steps: stoppedChangeSteps(context, {
        prepareName: 'prepare-resize',
        changeName: 'resize',
        prepare: async (ctx) => ({ serverId: ctx.nativeId! }),
        applied: (_ctx, server) => sized(server, sizing),
        async apply(ctx) {
          await context.client.post(
            serverPath(ctx.nativeId!, 'set'),
            { cpu: sizing.cpu, smp: sizing.smp, mem: sizing.mem },
            'servers.set',
          );
          return 'set';
        },
      }),
      deadlineSeconds: ACTION_DEADLINE_S,
      reconcile: async (ctx) => sized(await readServer(context, ctx.nativeId!), sizing),
    };
  }

  /** A new boot drive cloned from the image (docs/providers/cloudsigma.md#rebuild). */
  rebuild(request: OperationRequest<'server.rebuild'>): OperationPlan {
    return serverRebuildPlan(this.context, request);
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
      waitGone(context, context.servers, (id) => fetchServer(context, id), statusOf),
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
