import { ResourceType } from '../../../domain/states';
import { pollDelay } from '../../kit/polling';
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
import { rebootStep, startStep, stopStep, waitRunning, waitStopped } from './power.steps';
import { stateIs } from './reads';
import { hasTarget, serverResizeSteps, validateResize } from './resize.steps';
import { waitListed, waitTask } from './wait.steps';

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
    const steps = serverCreateSteps(this.context, request);
    if (!powerOn)
      steps.push(stopStep(this.context, false), waitStopped(this.context, ['Error', 'Destroyed']));
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
    return this.action([startStep(this.context), waitRunning(this.context)], ['Running']);
  }

  stop(request: OperationRequest<'server.stop'>): OperationPlan {
    return {
      resourceType: ResourceType.Server,
      steps: [
        stopStep(this.context, request.input.force),
        waitStopped(this.context, ['Error', 'Destroyed', 'Expunging']),
      ],
      deadlineSeconds: ACTION_DEADLINE_S,
      reconcile: async (ctx) => stateIs(await this.instance(ctx.nativeId!), 'Stopped', 'Shutdowned'),
    };
  }

  /**
   * A rebooted instance runs as it did before, and a quick reboot may never show `Rebooting` between two lists:
   * only the reboot's task tells it ended, so this wait polls the task (docs/providers/cloudmc.md#waiting).
   */
  reboot(_request: OperationRequest<'server.reboot'>): OperationPlan {
    const plan = this.action(
      [rebootStep(this.context), waitTask('wait-reboot-task', this.context), waitRunning(this.context)],
      ['Running'],
    );
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
        // The instance shows its new name only at the end, and a failure nowhere but in the task: the task is polled.
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
        // Gone from the list (or Destroyed, without purge) ends it; as before the call, only the task tells.
        waitListed<CmInstance>(this.context, {
          name: 'wait-deleted',
          reader: this.context.polled.instances,
          done: (instance) => gone(instance),
          unchanged: (instance) =>
            stateIs(instance, 'Running', 'Stopped', 'Shutdowned', 'Error') ||
            (purge && stateIs(instance, 'Destroyed')),
          whenMissing: 'done',
          status: (instance) => instance.state,
        }),
      ],
      deadlineSeconds: ACTION_DEADLINE_S,
      reconcile: async (ctx) => gone(await this.instance(ctx.nativeId!)),
    };
  }

  /** A power action: its call and its waits. */
  private action(steps: OperationStep[], target: string[]): OperationPlan {
    return {
      resourceType: ResourceType.Server,
      steps,
      deadlineSeconds: ACTION_DEADLINE_S,
      reconcile: async (ctx) => stateIs(await this.instance(ctx.nativeId!), ...target),
    };
  }
}
