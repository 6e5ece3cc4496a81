import { ValidationError } from '../../../common/errors/gateway-error';
import { ResourceType } from '../../../domain/states';
import { type Listed, mapListed, mapOne } from '../../kit/wire';
import type { NativeVolume } from '../../ports/native';
import type { OperationPlan, OperationStep } from '../../ports/operation-plan';
import type { OperationRequest } from '../../ports/operations';
import type { VolumeReader } from '../../ports/ports';
import { PATHS, seg } from '../client/http.client';
import { ImcoVolume } from '../client/wire';
import type { ImStoragePlan, ImVolume } from '../client/wire.types';
import type { VolumeCreateOptions } from '../imco.options';
import { toVolume } from '../model/mapper';
import {
  type AttachmentKind,
  attachPlan,
  detachPlan,
  markedCreatePlan,
  readItem,
  removeStep,
} from './attachable.steps';
import type { ImcoContext } from './context';
import { LABEL_TARGETS, relabelPlan } from './labels';
import { chooseAccount, realmOfServer, requireServer } from './reads';
import { waitGone } from './wait.steps';

// Volumes (docs/providers/imco.md#volumes-and-storage-plans): made with a storage plan, attached through
// `/attached_server`.

const DEADLINE_S = 1_800;

/** Volumes as IMCO lists them. */
export class ImcoVolumeReader implements VolumeReader {
  constructor(private readonly context: ImcoContext) {}

  async list(): Promise<Listed<NativeVolume>> {
    const [volumes, labels] = await Promise.all([
      this.context.client.list<unknown>(PATHS.volumes, 'volumes.list'),
      this.context.labels.index(),
    ]);
    return mapListed(volumes, ImcoVolume, (v) => toVolume(this.context.map, v, labels), this.context.limits);
  }

  async get(nativeId: string): Promise<NativeVolume | null> {
    const [volume, labels] = await Promise.all([
      this.context.client.get<unknown>(`${PATHS.volumes}/${seg(nativeId)}`, 'volumes.get'),
      this.context.labels.index(),
    ]);
    return volume ? mapOne(volume, ImcoVolume, (v) => toVolume(this.context.map, v, labels)) : null;
  }
}

/** The volume operations: create, delete, attach, detach, relabel. */
export class ImcoVolumePlans {
  private readonly kind: AttachmentKind<ImVolume>;

  constructor(private readonly context: ImcoContext) {
    this.kind = {
      noun: 'volume',
      path: PATHS.volumes,
      operation: 'volumes',
      reader: context.polled.volumes,
      type: ImcoVolume,
    };
  }

  private get client() {
    return this.context.client;
  }

  create(request: OperationRequest<'volume.create'>): OperationPlan {
    const { name, sizeGb, serverId } = request.input;
    const options = request.input.providerOptions as VolumeCreateOptions;
    if (!Number.isInteger(sizeGb) || sizeGb < 1)
      throw new ValidationError('IMCO volume sizes are whole GB.', [
        { field: 'sizeGb', message: 'must be a whole number on IMCO' },
      ]);
    const prepare: OperationStep = {
      name: 'prepare',
      run: async (step) => {
        const server = serverId ? await requireServer(this.context, serverId) : null;
        const account = await chooseAccount(this.context, {
          explicit: options.cloudAccountId ?? server?.cloud_account_id ?? undefined,
          field: 'providerOptions.cloudAccountId',
        });
        const realmId = options.realmId ?? (server ? await realmOfServer(this.context, server) : null);
        const plan = await this.storagePlan(
          account.cloud_provider_id ?? '',
          realmId,
          sizeGb,
          options.storagePlanId,
        );
        step.state.body = { name, size: sizeGb, cloud_account_id: account.id, storage_plan_id: plan.id };
        return { status: 'done' };
      },
    };
    return markedCreatePlan(this.context, {
      kind: this.kind,
      resourceType: ResourceType.Volume,
      taskId: request.taskId,
      name,
      labelIds: options.labelIds,
      labels: request.input.labels,
      serverId,
      prepare,
      createStep: 'create-volume',
      waitStep: 'wait-created',
      busyStates: ['commissioning', 'creating'],
      deadlineSeconds: DEADLINE_S,
    });
  }

  delete(_request: OperationRequest<'volume.delete'>): OperationPlan {
    return {
      resourceType: ResourceType.Volume,
      steps: [
        removeStep(this.context, this.kind, 'delete'),
        waitGone<ImVolume>(this.context, 'wait-deleted', this.context.polled.volumes, PATHS.volumes),
      ],
      deadlineSeconds: DEADLINE_S,
      reconcile: async (step) => !(await this.read(step.nativeId!)),
    };
  }

  attach(request: OperationRequest<'volume.attach'>): OperationPlan {
    return attachPlan(this.context, this.kind, ResourceType.Volume, request.input.serverId, DEADLINE_S);
  }

  detach(_request: OperationRequest<'volume.detach'>): OperationPlan {
    return detachPlan(this.context, this.kind, ResourceType.Volume, DEADLINE_S);
  }

  relabel(request: OperationRequest<'volume.relabel'>): OperationPlan {
    return relabelPlan(this.context, LABEL_TARGETS.volume, request.input.labels, DEADLINE_S);
  }

  private read(id: string): Promise<ImVolume | null> {
    return readItem(this.context, this.kind, id);
  }

  /** The named plan (checked against the size), or the first current plan of the realm that takes the size. */
  private async storagePlan(
    providerId: string,
    realmId: string | null,
    sizeGb: number,
    explicit: string | undefined,
  ): Promise<ImStoragePlan> {
    const fits = (plan: ImStoragePlan) =>
      (plan.min_size ?? 0) <= sizeGb && sizeGb <= (plan.max_size ?? Number.MAX_SAFE_INTEGER);
    if (explicit) {
      const plan = await this.client.get<ImStoragePlan>(
        `/storage/plans/${seg(explicit)}`,
        'storage_plans.get',
      );
      if (!plan)
        throw new ValidationError(`IMCO has no storage plan '${explicit}'.`, [
          { field: 'providerOptions.storagePlanId', message: 'no such storage plan' },
        ]);
      if (!fits(plan))
        throw new ValidationError(`The storage plan takes ${plan.min_size}-${plan.max_size} GB.`, [
          { field: 'sizeGb', message: `must be between ${plan.min_size} and ${plan.max_size} for this plan` },
        ]);
      return plan;
    }
    const plans = await this.client.list<ImStoragePlan>(
      `/cloud/cloud_providers/${seg(providerId)}/storage_plans`,
      'storage_plans.list',
    );
    const candidates = plans.filter((plan) => !plan.deprecated && (!realmId || plan.realm_id === realmId));
    const chosen = candidates.find(fits);
    if (!chosen) {
      const ranges = candidates.map((p) => `${p.min_size}-${p.max_size}`).join(', ');
      throw new ValidationError(
        `No IMCO storage plan there takes ${sizeGb} GB${ranges ? ` (ranges: ${ranges})` : ''}.`,
        [{ field: 'sizeGb', message: 'no storage plan of this realm takes this size' }],
      );
    }
    return chosen;
  }
}
