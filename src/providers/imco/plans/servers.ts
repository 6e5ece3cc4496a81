import { NotFoundError, ValidationError } from '../../../common/errors/gateway-error';
import { ResourceType } from '../../../domain/states';
import { checked, type Listed, mapListed, mapOne, ofType } from '../../kit/wire';
import type { NativeServer } from '../../ports/native';
import type { OperationPlan, OperationStep, StepContext } from '../../ports/operation-plan';
import type { OperationRequest } from '../../ports/operations';
import type { ServerReader } from '../../ports/ports';
import { PATHS, seg } from '../client/http.client';
import { ImcoFloatingIp, ImcoServer, ImcoVolume } from '../client/wire';
import type { ImServer } from '../client/wire.types';
import type { LabelIndex } from '../model/labels';
import { toServer } from '../model/mapper';
import { stateIs } from '../model/states';
import type { ImcoContext } from './context';
import {
  blueprintStep,
  checkServerCreate,
  commissionStep,
  prepareServerStep,
  waitCommissioned,
} from './create.steps';
import { LABEL_TARGETS, relabelPlan } from './labels';
import { adoptCreated, markables, markStep } from './marker.steps';
import {
  bootStep,
  decommissionSteps,
  rebootStep,
  shutdownStep,
  waitInactive,
  waitOperational,
} from './power.steps';

// Servers (docs/providers/imco.md#servers): commissioned, then booted. IMCO has no task API: every wait polls the
// server's `state`.

const CREATE_DEADLINE_S = 3_600;
const ACTION_DEADLINE_S = 1_800;

/** Items by the server they are attached to (each server's relations, without a scan of the lists per server). */
function byServer<T extends { attached_server_id?: string | null }>(items: T[]): Map<string, T[]> {
  const found = new Map<string, T[]>();
  for (const item of items) {
    if (!item.attached_server_id) continue;
    const list = found.get(item.attached_server_id);
    if (list) list.push(item);
    else found.set(item.attached_server_id, [item]);
  }
  return found;
}

/** Servers with their volumes, floating IPs and plans. */
export class ImcoServerReader implements ServerReader {
  constructor(private readonly context: ImcoContext) {}

  private get client() {
    return this.context.client;
  }

  /**
   * Servers with their volumes and floating IPs (read from the two lists) and plans. A volume or floating IP that
   * fails its checks is left out of every server; a server that fails is left out of the list, with its reason.
   */
  async list(): Promise<Listed<NativeServer>> {
    const [servers, volumes, floatingIps, labels] = await Promise.all([
      this.client.list<unknown>(PATHS.servers, 'servers.list'),
      this.client.list<unknown>(PATHS.volumes, 'volumes.list'),
      this.client.list<unknown>(PATHS.floatingIps, 'floating_ips.list'),
      this.context.labels.index(),
    ]);
    const limits = this.context.limits;
    const shown = ofType(servers.slice(0, limits.maxItems), ImcoServer);
    const plans = await this.context.serverPlans.many(shown.map((s) => s.server_plan_id));
    const volumesOf = byServer(ofType(volumes, ImcoVolume));
    const floatingIpsOf = byServer(ofType(floatingIps, ImcoFloatingIp));
    return mapListed(
      servers,
      ImcoServer,
      (server) =>
        toServer(this.context.map, server, {
          volumes: volumesOf.get(server.id) ?? [],
          floatingIps: floatingIpsOf.get(server.id) ?? [],
          plan: plans.get(server.server_plan_id ?? ''),
          labels,
        }),
      limits,
    );
  }

  async get(nativeId: string): Promise<NativeServer | null> {
    const raw = await this.client.get<unknown>(`${PATHS.servers}/${seg(nativeId)}`, 'servers.get');
    if (!raw) return null;
    // A malformed server is 502 before anything more is read for it.
    const server = checked(raw, ImcoServer);
    let volumes: unknown[];
    let floatingIps: unknown[];
    let labels: LabelIndex;
    try {
      [volumes, floatingIps, labels] = await Promise.all([
        this.client.list<unknown>(`${PATHS.servers}/${seg(nativeId)}/volumes`, 'server_volumes.list'),
        this.client.list<unknown>(
          `${PATHS.servers}/${seg(nativeId)}/floating_ips`,
          'server_floating_ips.list',
        ),
        this.context.labels.index(),
      ]);
    } catch (error) {
      // Decommissioned between the reads.
      if (error instanceof NotFoundError) return null;
      throw error;
    }
    const plans = await this.context.serverPlans.many([server.server_plan_id]);
    // Sub-lists name their server only implicitly; their items that fail their checks are left out.
    const own = <T extends { attached_server_id?: string | null }>(items: T[]) =>
      items.map((item) => ({ ...item, attached_server_id: item.attached_server_id ?? nativeId }));
    return mapOne(server, ImcoServer, (valid) =>
      toServer(this.context.map, valid, {
        volumes: own(ofType(volumes, ImcoVolume)),
        floatingIps: own(ofType(floatingIps, ImcoFloatingIp)),
        plan: plans.get(valid.server_plan_id ?? ''),
        labels,
      }),
    );
  }
}

/** The server operations: create, start, stop, reboot, rename, relabel, delete. */
export class ImcoServerPlans {
  constructor(private readonly context: ImcoContext) {}

  create(request: OperationRequest<'server.create'>): OperationPlan {
    checkServerCreate(request);
    const input = request.input;
    const list = markables(this.context, PATHS.servers, 'servers.list');
    const steps = [
      prepareServerStep(this.context, request),
      blueprintStep(this.context, request),
      markStep(this.context, request.taskId, list, () => input.name, input.labels),
      commissionStep(this.context, request, list),
      waitCommissioned(this.context),
    ];
    if (input.powerOn) steps.push(bootStep(this.context), waitOperational(this.context, 'boot'));
    else steps.push(shutdownStep(this.context), waitInactive(this.context));
    return {
      resourceType: ResourceType.Server,
      steps,
      deadlineSeconds: CREATE_DEADLINE_S,
      reconcile: async (step) => {
        const id = step.nativeId ?? (await adoptCreated(step, 'servers', list, input.name));
        const server = id ? await this.read(id) : null;
        return stateIs(server, input.powerOn ? 'operational' : 'inactive');
      },
    };
  }

  start(_request: OperationRequest<'server.start'>): OperationPlan {
    return this.action([bootStep(this.context), waitOperational(this.context, 'boot')], 'operational');
  }

  /** IMCO has a single shutdown: `force` changes nothing. */
  stop(_request: OperationRequest<'server.stop'>): OperationPlan {
    return this.action([shutdownStep(this.context), waitInactive(this.context)], 'inactive');
  }

  reboot(_request: OperationRequest<'server.reboot'>): OperationPlan {
    const plan = this.action(
      [rebootStep(this.context), waitOperational(this.context, 'reboot')],
      'operational',
    );
    // A server that runs again looks as it did before: only an answered reboot call counts.
    return { ...plan, effectStep: 'reboot' };
  }

  rename(request: OperationRequest<'server.rename'>): OperationPlan {
    const name = request.input.name;
    if (!name.trim())
      throw new ValidationError('A server name cannot be blank.', [{ field: 'name', message: 'is blank' }]);
    return {
      resourceType: ResourceType.Server,
      steps: [
        {
          name: 'rename',
          run: async (step) => {
            const server = await this.context.client.send<ImServer>(
              'PUT',
              `${PATHS.servers}/${seg(step.nativeId!)}`,
              'servers.update',
              { name },
            );
            return { status: 'done', providerStatus: server?.state ?? undefined };
          },
        },
      ],
      deadlineSeconds: ACTION_DEADLINE_S,
      reconcile: async (step) => (await this.read(step.nativeId!))?.name === name,
    };
  }

  /** Labels are IMCO labels (docs/providers/imco.md#labels): one call per label put on or taken off. */
  relabel(request: OperationRequest<'server.relabel'>): OperationPlan {
    return relabelPlan(this.context, LABEL_TARGETS.server, request.input.labels, ACTION_DEADLINE_S);
  }

  delete(_request: OperationRequest<'server.delete'>): OperationPlan {
    return {
      resourceType: ResourceType.Server,
      steps: decommissionSteps(this.context),
      deadlineSeconds: ACTION_DEADLINE_S,
      reconcile: async (step: StepContext) => !(await this.read(step.nativeId!)),
    };
  }

  private action(steps: OperationStep[], target: string): OperationPlan {
    return {
      resourceType: ResourceType.Server,
      steps,
      deadlineSeconds: ACTION_DEADLINE_S,
      reconcile: async (step) => stateIs(await this.read(step.nativeId!), target),
    };
  }

  private read(id: string): Promise<ImServer | null> {
    return this.context.client.get<ImServer>(`${PATHS.servers}/${seg(id)}`, 'servers.get', ImcoServer);
  }
}
