import { ResourceType } from '../../../domain/states';
import { pollDelay, waitFor } from '../../kit/polling';
import { type Listed, mapListed, mapOne } from '../../kit/wire';
import type { NativeServer } from '../../ports/native';
import type { OperationPlan, OperationStep } from '../../ports/operation-plan';
import type { OperationRequest } from '../../ports/operations';
import type { ServerReader } from '../../ports/ports';
import { type CmInstance, INSTANCE, PUBLIC_IP, VOLUME } from '../client/wire';
import { toServer } from '../model/mapper';
import { callStep } from './call.steps';
import type { CloudmcContext } from './context';
import { adoptInstance, serverCreateSteps } from './create.steps';
import { rebootStep, startStep, stopSteps, waitRunning, waitStopped } from './power.steps';
import { stateIs } from './reads';
import { hasTarget, serverResizeSteps, validateResize } from './resize.steps';
import { waitTask } from './wait.steps';

// Servers = CloudMC instances (CloudStack plugin): docs/providers/cloudmc.md#instances.

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

export class CloudmcServerReader implements ServerReader {
  constructor(private readonly context: CloudmcContext) {}

  /**
   * Instances, each with its volumes and public IPs from the volume and public-IP lists: an instance that is
   * malformed is left out with its reason; a malformed volume or address only goes missing from its server.
   */
  async list(): Promise<Listed<NativeServer>> {
    const client = this.context.client;
    const [instances, volumes, ips] = await Promise.all([
      client.list('instances'),
      client.listOf('volumes', VOLUME),
      client.listOf('publicipaddresses', PUBLIC_IP),
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

  async get(nativeId: string): Promise<NativeServer | null> {
    // Both at once: a read costs one round trip to CloudMC, not two.
    const [instance, volumes] = await Promise.all([
      this.context.client.get('instances', nativeId),
      this.context.client.listOf('volumes', VOLUME, { instance_id: nativeId }),
    ]);
    return instance === null
      ? null
      : mapOne(instance, INSTANCE, (raw) => toServer(this.context.map, raw, volumes, []));
  }
}

/** The server operations' plans. */
export class CloudmcServerPlans {
  constructor(private readonly context: CloudmcContext) {}

  private instance(id: string) {
    return this.context.client.getOf('instances', id, INSTANCE);
  }

  create(request: OperationRequest<'server.create'>): OperationPlan {
    const { powerOn } = request.input;
    const steps = [...serverCreateSteps(this.context, request), waitRunning(this.context)];
    if (!powerOn)
      steps.push(...stopSteps(this.context, false), waitStopped(this.context, ['Error', 'Destroyed']));
    return {
      resourceType: ResourceType.Server,
      steps,
      deadlineSeconds: CREATE_DEADLINE_S,
      reconcile: async (ctx) => {
        const id = ctx.nativeId ?? (await adoptInstance(this.context, ctx, request.taskId));
        const instance = id ? await this.instance(id) : null;
        return stateIs(instance, ...(powerOn ? ['Running'] : ['Stopped', 'Shutdowned']));
      },
    };
  }

  start(_request: OperationRequest<'server.start'>): OperationPlan {
    return this.action(startStep(this.context), 'wait-start-task', waitRunning(this.context), ['Running']);
  }

  stop(request: OperationRequest<'server.stop'>): OperationPlan {
    return {
      resourceType: ResourceType.Server,
      steps: [
        ...stopSteps(this.context, request.input.force),
        waitStopped(this.context, ['Error', 'Destroyed', 'Expunging']),
      ],
      deadlineSeconds: ACTION_DEADLINE_S,
      reconcile: async (ctx) => stateIs(await this.instance(ctx.nativeId!), 'Stopped', 'Shutdowned'),
    };
  }

  reboot(_request: OperationRequest<'server.reboot'>): OperationPlan {
    const plan = this.action(rebootStep(this.context), 'wait-reboot-task', waitRunning(this.context), [
      'Running',
    ]);
    // A server that runs again looks as it did before: only an answered reboot call counts.
    return { ...plan, effectStep: 'reboot' };
  }

  rename(request: OperationRequest<'server.rename'>): OperationPlan {
    return {
      resourceType: ResourceType.Server,
      steps: [
        callStep('rename', (ctx) =>
          this.context.client.mutate('PUT', 'instances', {
            id: ctx.nativeId!,
            body: { name: request.input.name },
          }),
        ),
        waitTask('wait-rename-task', this.context),
      ],
      deadlineSeconds: ACTION_DEADLINE_S,
      reconcile: async (ctx) => (await this.instance(ctx.nativeId!))?.name === request.input.name,
    };
  }

  /**
   * `changeComputeOffering` to the offering named, or to the one that takes the size asked for; CloudMC reboots a
   * running instance to apply it (docs/providers/cloudmc.md#resize).
   */
  resize(request: OperationRequest<'server.resize'>): OperationPlan {
    validateResize(request.input);
    return {
      resourceType: ResourceType.Server,
      steps: serverResizeSteps(this.context, request.input),
      deadlineSeconds: ACTION_DEADLINE_S,
      reconcile: async (ctx) => {
        const instance = await this.instance(ctx.nativeId!);
        const target = ctx.state.target as Parameters<typeof hasTarget>[1] | undefined;
        return (
          !!instance && !!target && hasTarget(instance, target) && stateIs(instance, 'Running', 'Stopped')
        );
      },
    };
  }

  /**
   * Destroys the instance, with `purgeImmediately` as the connection says; a `Destroyed` one is purged
   * (docs/providers/cloudmc.md#instances).
   */
  delete(_request: OperationRequest<'server.delete'>): OperationPlan {
    const purge = this.context.purgeOnDelete;
    const gone = (instance: CmInstance | null) =>
      !instance || (!purge && stateIs(instance, 'Destroyed')) || stateIs(instance, 'Expunged');
    return {
      resourceType: ResourceType.Server,
      steps: [
        callStep('delete', async (ctx) => {
          const instance = await this.instance(ctx.nativeId!);
          if (gone(instance)) return null;
          if (stateIs(instance, 'Expunging')) return null;
          if (stateIs(instance, 'Destroyed'))
            return this.context.client.mutate('POST', 'instances', { id: ctx.nativeId!, operation: 'purge' });
          if (stateIs(instance, 'Starting', 'Stopping', 'Rebooting', 'Migrating')) {
            return {
              wait: pollDelay(ctx.polls, this.context.backoff),
              providerStatus: instance!.state ?? undefined,
            };
          }
          return this.context.client.mutate('DELETE', 'instances', {
            id: ctx.nativeId!,
            body: { purgeImmediately: purge },
          });
        }),
        waitTask('wait-delete-task', this.context),
        waitFor<CmInstance | { state: 'gone' }>({
          name: 'wait-deleted',
          read: async (ctx) => (await this.instance(ctx.nativeId!)) ?? { state: 'gone' },
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
      reconcile: async (ctx) => gone(await this.instance(ctx.nativeId!)),
    };
  }

  /** A power action: its call, the wait for its task, the wait for the target state. */
  private action(
    call: OperationStep,
    waitName: string,
    confirm: OperationStep,
    target: string[],
  ): OperationPlan {
    return {
      resourceType: ResourceType.Server,
      steps: [call, waitTask(waitName, this.context), confirm],
      deadlineSeconds: ACTION_DEADLINE_S,
      reconcile: async (ctx) => stateIs(await this.instance(ctx.nativeId!), ...target),
    };
  }
}
