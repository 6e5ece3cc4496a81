import { ConflictError, ValidationError } from '../../common/errors/gateway-error';
import type { Server } from '../../domain/server.dto';
import { ResourceType } from '../../domain/states';
import type { OperationPlan, OperationStep } from '../ports/operation-plan';
import type { OperationRequest } from '../ports/operations';
import type { ServerPort } from '../ports/ports';
import { pollDelay, waitFor } from '../ports/polling';
import type { CloudmcContext } from './cloudmc.context';
import { hasMarker, markedName } from '../ports/markers';
import { adoptCreated, requireInstance, stateIs } from './cloudmc-lookups';
import { callStep, waitTaskStep } from './cloudmc-task.steps';
import { toServer } from './cloudmc.mapper';
import type { ServerCreateOptions } from './cloudmc.options';
import type { CmComputeOffering, CmInstance } from './cloudmc.types';
import { type Listed, mapListed, mapOne } from '../ports/wire';
import { COMPUTE_OFFERING, INSTANCE, NETWORK, PUBLIC_IP, VOLUME } from './cloudmc.wire';

const ENTITY = 'instances';
const CREATE_DEADLINE_S = 1_800;
const ACTION_DEADLINE_S = 600;

/** Items by the instance ids they name (one pass, not one filter per instance). */
function groupBy<T>(items: T[], keysOf: (item: T) => string[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items)
    for (const key of new Set(keysOf(item))) {
      const group = groups.get(key);
      if (group) group.push(item);
      else groups.set(key, [item]);
    }
  return groups;
}

/** Servers = CloudMC instances (CloudStack plugin). */
export class CloudmcServers implements ServerPort {
  constructor(private readonly context: CloudmcContext) {}

  private get client() {
    return this.context.client;
  }

  /**
   * Instances, each with its volumes and public IPs from the volume and public-IP lists: an instance that is
   * malformed is left out with its reason; a malformed volume or address only goes missing from its server.
   */
  async list(): Promise<Listed<Server>> {
    const [instances, volumes, ips] = await Promise.all([
      this.client.list('instances'),
      this.client.listOf('volumes', VOLUME),
      this.client.listOf('publicipaddresses', PUBLIC_IP),
    ]);
    const volumesOf = groupBy(volumes, (v) => (v.instanceId ? [v.instanceId] : []));
    const ipsOf = groupBy(ips, (ip) => (ip.instances ?? []).map((i) => i.id));
    return mapListed(
      instances,
      INSTANCE,
      (instance) =>
        toServer(this.context.map, instance, volumesOf.get(instance.id) ?? [], ipsOf.get(instance.id) ?? []),
      { maxItems: this.context.maxListItems },
    );
  }

  async get(nativeId: string): Promise<Server | null> {
    // Both at once: a read costs one round trip to CloudMC, not two.
    const [instance, volumes] = await Promise.all([
      this.client.get('instances', nativeId),
      this.client.listOf('volumes', VOLUME, { instance_id: nativeId }),
    ]);
    return instance === null
      ? null
      : mapOne(instance, INSTANCE, (raw) => toServer(this.context.map, raw, volumes, []));
  }

  create(request: OperationRequest<'server.create'>): OperationPlan {
    const input = request.input;
    if (!input.planId && (input.cpuCores === undefined || input.memoryMb === undefined)) {
      throw new ValidationError(
        'CloudMC needs a compute offering: give planId, or cpuCores and memoryMb for a custom offering.',
        [{ field: 'planId', message: 'is required on CloudMC unless cpuCores and memoryMb are given' }],
      );
    }
    if ((input.sshPublicKeys?.length ?? 0) > 1) {
      throw new ValidationError('CloudMC installs one SSH key at creation.', [
        { field: 'sshPublicKeys', message: 'at most one key on CloudMC' },
      ]);
    }
    if ((input.networkIds?.length ?? 0) > 1) {
      throw new ValidationError('CloudMC creates an instance in one network.', [
        { field: 'networkIds', message: 'at most one network on CloudMC' },
      ]);
    }
    const options = input.providerOptions as ServerCreateOptions;
    // The marker in the name lets a resumed or forgotten create find its own instance (markers.ts).
    const isMine = (item: { name?: string }) => hasMarker(item.name, request.taskId);

    const prepare: OperationStep = {
      name: 'prepare',
      run: async (ctx) => {
        const body: Record<string, unknown> = {
          name: markedName(input.name, request.taskId),
          templateId: input.imageId,
          ...options,
        };
        body.computeOfferingId =
          input.planId ?? (await this.customOffering(input.cpuCores!, input.memoryMb!)).id;
        if (!input.planId) Object.assign(body, { cpuCount: input.cpuCores, memoryInMB: input.memoryMb });
        body.networkId = input.networkIds?.[0] ?? (await this.defaultNetwork(input.locationId));
        if (input.sshPublicKeys?.[0]) body.publicKey = input.sshPublicKeys[0];
        ctx.state.body = body;
        return { status: 'done' };
      },
    };
    const create = callStep(
      'create-instance',
      async (ctx) => {
        if (ctx.resumed) {
          const adopted = await adoptCreated(this.context, ENTITY, ctx, isMine);
          if (adopted) return { taskId: null, taskStatus: null, data: { id: adopted } };
        }
        return this.client.mutate('POST', 'instances', { body: ctx.state.body });
      },
      { idempotent: false },
    );
    const waitCreate = waitTaskStep('wait-create-task', this.context, {
      resultId: true,
      whenForgotten: async (ctx) => (await adoptCreated(this.context, ENTITY, ctx, isMine)) ?? false,
    });
    const steps = [
      prepare,
      create,
      waitCreate,
      this.waitState('wait-running', ['Running'], ['Error', 'Destroyed', 'Expunging']),
    ];
    if (!input.powerOn)
      steps.push(
        ...this.stopSteps(false),
        this.waitState('wait-stopped', ['Stopped', 'Shutdowned'], ['Error', 'Destroyed']),
      );
    return {
      resourceType: ResourceType.Server,
      steps,
      deadlineSeconds: CREATE_DEADLINE_S,
      reconcile: async (ctx) => {
        const id = ctx.nativeId ?? (await adoptCreated(this.context, ENTITY, ctx, isMine));
        const instance = id ? await this.client.getOf('instances', id, INSTANCE) : null;
        return stateIs(instance, ...(input.powerOn ? ['Running'] : ['Stopped', 'Shutdowned']));
      },
    };
  }

  start(_request: OperationRequest<'server.start'>): OperationPlan {
    return this.action(
      callStep('start', async (ctx) => {
        const instance = await requireInstance(this.context, ctx.nativeId!);
        if (stateIs(instance, 'Running', 'Starting')) return null;
        if (stateIs(instance, 'Stopping'))
          return {
            wait: pollDelay(ctx.polls, this.context.backoff),
            providerStatus: instance.state ?? undefined,
          };
        if (!stateIs(instance, 'Stopped', 'Shutdowned'))
          throw this.wrongState(instance, 'start', ['Stopped']);
        return this.client.mutate('POST', 'instances', { id: ctx.nativeId!, operation: 'start' });
      }),
      'wait-start-task',
      this.waitState('wait-running', ['Running'], ['Error', 'Destroyed', 'Expunging']),
      ['Running'],
    );
  }

  stop(request: OperationRequest<'server.stop'>): OperationPlan {
    const [stop, wait] = this.stopSteps(request.input.force);
    return {
      resourceType: ResourceType.Server,
      steps: [
        stop,
        wait,
        this.waitState('wait-stopped', ['Stopped', 'Shutdowned'], ['Error', 'Destroyed', 'Expunging']),
      ],
      deadlineSeconds: ACTION_DEADLINE_S,
      reconcile: async (ctx) =>
        stateIs(await this.client.getOf('instances', ctx.nativeId!, INSTANCE), 'Stopped', 'Shutdowned'),
    };
  }

  reboot(_request: OperationRequest<'server.reboot'>): OperationPlan {
    const plan = this.action(
      callStep('reboot', async (ctx) => {
        const instance = await requireInstance(this.context, ctx.nativeId!);
        if (stateIs(instance, 'Starting', 'Stopping', 'Rebooting'))
          return {
            wait: pollDelay(ctx.polls, this.context.backoff),
            providerStatus: instance.state ?? undefined,
          };
        if (!stateIs(instance, 'Running', 'Stopped', 'Shutdowned'))
          throw this.wrongState(instance, 'reboot', ['Running', 'Stopped']);
        return this.client.mutate('POST', 'instances', { id: ctx.nativeId!, operation: 'reboot' });
      }),
      'wait-reboot-task',
      this.waitState('wait-running', ['Running'], ['Error', 'Destroyed', 'Expunging']),
      ['Running'],
    );
    // A server that runs again looks as it did before: only an answered reboot call counts (issue 12).
    return { ...plan, effectStep: 'reboot' };
  }

  rename(request: OperationRequest<'server.rename'>): OperationPlan {
    return {
      resourceType: ResourceType.Server,
      steps: [
        callStep('rename', (ctx) =>
          this.client.mutate('PUT', 'instances', { id: ctx.nativeId!, body: { name: request.input.name } }),
        ),
        waitTaskStep('wait-rename-task', this.context, { whenForgotten: async () => true }),
      ],
      deadlineSeconds: ACTION_DEADLINE_S,
      reconcile: async (ctx) =>
        (await this.client.getOf('instances', ctx.nativeId!, INSTANCE))?.name === request.input.name,
    };
  }

  delete(_request: OperationRequest<'server.delete'>): OperationPlan {
    const purge = this.context.purgeOnDelete;
    const gone = (instance: CmInstance | null) =>
      !instance || (!purge && stateIs(instance, 'Destroyed')) || stateIs(instance, 'Expunged');
    return {
      resourceType: ResourceType.Server,
      steps: [
        callStep('delete', async (ctx) => {
          const instance = await this.client.getOf('instances', ctx.nativeId!, INSTANCE);
          if (gone(instance)) return null;
          if (stateIs(instance, 'Expunging')) return null;
          if (stateIs(instance, 'Destroyed'))
            return this.client.mutate('POST', 'instances', { id: ctx.nativeId!, operation: 'purge' });
          if (stateIs(instance, 'Starting', 'Stopping', 'Rebooting', 'Migrating')) {
            return {
              wait: pollDelay(ctx.polls, this.context.backoff),
              providerStatus: instance!.state ?? undefined,
            };
          }
          return this.client.mutate('DELETE', 'instances', {
            id: ctx.nativeId!,
            body: { purgeImmediately: purge },
          });
        }),
        waitTaskStep('wait-delete-task', this.context, { whenForgotten: async () => true }),
        waitFor<CmInstance | { state: 'gone' }>({
          name: 'wait-deleted',
          read: async (ctx) =>
            (await this.client.getOf('instances', ctx.nativeId!, INSTANCE)) ?? { state: 'gone' },
          done: (instance) => instance.state === 'gone' || gone(instance as CmInstance),
          failed: (instance) =>
            stateIs(instance, 'Error') ? 'The instance went to Error while being deleted.' : null,
          whenMissing: 'done',
          backoff: this.context.backoff,
          describe: (instance) => ({
            providerStatus: instance.state === 'gone' ? 'deleted' : (instance.state ?? undefined),
          }),
        }),
      ],
      deadlineSeconds: ACTION_DEADLINE_S,
      reconcile: async (ctx) => gone(await this.client.getOf('instances', ctx.nativeId!, INSTANCE)),
    };
  }

  /** The custom offering that accepts this size (CloudMC validates the exact values it lists). */
  private async customOffering(cpuCores: number, memoryMb: number): Promise<CmComputeOffering> {
    const offerings = await this.client.listOf('computeofferings', COMPUTE_OFFERING);
    const fixed = offerings.find((o) => !o.custom && o.cpuCount === cpuCores && o.memoryInMB === memoryMb);
    if (fixed) return fixed;
    const custom = offerings.find(
      (o) =>
        o.custom &&
        (!o.availableCpuCountValues || o.availableCpuCountValues.includes(cpuCores)) &&
        (!o.availableMemoryInMBValues || o.availableMemoryInMBValues.includes(memoryMb)) &&
        (!o.maxMemoryInMBToCpuRatio || memoryMb / cpuCores <= o.maxMemoryInMBToCpuRatio),
    );
    if (!custom) {
      throw new ValidationError(
        `No CloudMC compute offering takes ${cpuCores} cores and ${memoryMb} MiB; see GET /v1/providers/{name}/plans.`,
        [{ field: 'cpuCores', message: 'no offering of this size' }],
      );
    }
    return custom;
  }

  /** The network a server goes to when the request names none: the first one in the location (zone). */
  private async defaultNetwork(locationId: string | undefined): Promise<string> {
    const networks = await this.client.listOf('networks', NETWORK, locationId ? { zone_id: locationId } : {});
    const usable = networks.find((n) => (n.state ?? '').toLowerCase() !== 'destroy');
    if (!usable) {
      throw new ValidationError(
        'CloudMC instances need a network and this environment has none there; create one first.',
        [{ field: 'networkIds', message: 'is required: no network exists in this location' }],
      );
    }
    return usable.id;
  }

  private stopSteps(force: boolean): OperationStep[] {
    return [
      callStep('stop', async (ctx) => {
        const instance = await requireInstance(this.context, ctx.nativeId!);
        if (stateIs(instance, 'Stopped', 'Shutdowned')) return null;
        if (stateIs(instance, 'Starting', 'Rebooting'))
          return {
            wait: pollDelay(ctx.polls, this.context.backoff),
            providerStatus: instance.state ?? undefined,
          };
        if (stateIs(instance, 'Stopping') && !force) return null;
        if (!stateIs(instance, 'Running', 'Stopping')) throw this.wrongState(instance, 'stop', ['Running']);
        return this.client.mutate('POST', 'instances', {
          id: ctx.nativeId!,
          operation: 'stop',
          body: force ? { forceStop: true } : {},
        });
      }),
      waitTaskStep('wait-stop-task', this.context, { whenForgotten: async () => true }),
    ];
  }

  private action(
    call: OperationStep,
    waitName: string,
    confirm: OperationStep,
    target: string[],
  ): OperationPlan {
    return {
      resourceType: ResourceType.Server,
      steps: [call, waitTaskStep(waitName, this.context, { whenForgotten: async () => true }), confirm],
      deadlineSeconds: ACTION_DEADLINE_S,
      reconcile: async (ctx) =>
        stateIs(await this.client.getOf('instances', ctx.nativeId!, INSTANCE), ...target),
    };
  }

  private waitState(name: string, target: string[], failure: string[]): OperationStep {
    return waitFor<CmInstance>({
      name,
      read: (ctx) => this.client.getOf('instances', ctx.nativeId!, INSTANCE),
      done: (instance) => stateIs(instance, ...target),
      failed: (instance) =>
        stateIs(instance, ...failure)
          ? `The instance went to ${instance.state} instead of ${target.join(' or ')}.`
          : null,
      whenMissing: 'wait',
      backoff: this.context.backoff,
      describe: (instance) => ({ providerStatus: instance.state ?? undefined }),
    });
  }

  private wrongState(instance: CmInstance, operation: string, expected: string[]): ConflictError {
    return new ConflictError(
      `Cannot ${operation} an instance that is ${instance.state}; expected ${expected.join(' or ')}.`,
      {
        extensions: { currentState: instance.state ?? null, expectedStates: expected },
      },
    );
  }
}
