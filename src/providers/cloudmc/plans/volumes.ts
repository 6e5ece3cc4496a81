import { ConflictError, NotFoundError, ValidationError } from '../../../common/errors/gateway-error';
import { ResourceType } from '../../../domain/states';
import { pollDelay } from '../../kit/polling';
import { type Listed, mapListed, mapOne } from '../../kit/wire';
import { hasMarker, markedName } from '../../ports/markers';
import type { NativeVolume } from '../../ports/native';
import type { OperationPlan, OperationStep, StepContext } from '../../ports/operation-plan';
import type { OperationRequest } from '../../ports/operations';
import type { VolumeReader } from '../../ports/ports';
import { type CmInstance, type CmVolume, DISK_OFFERING, VOLUME } from '../client/wire';
import type { VolumeCreateOptions } from '../cloudmc.options';
import { toVolume, volumeSizeGb } from '../model/mapper';
import { callStep } from './call.steps';
import type { CloudmcContext } from './context';
import { adoptCreated, stateIs } from './reads';
import { waitListed } from './wait.steps';

// Volumes = CloudMC volumes; root (`os`) volumes are listed as bootable and come and go with their instance
// (docs/providers/cloudmc.md#volumes). Every wait reads the shared volume list (docs/providers/cloudmc.md#waiting).

const ENTITY = 'volumes';
const DEADLINE_S = 900;

export class CloudmcVolumeReader implements VolumeReader {
  constructor(private readonly context: CloudmcContext) {}

  async list(): Promise<Listed<NativeVolume>> {
    return mapListed(await this.context.client.list(ENTITY), VOLUME, (v) => toVolume(this.context.map, v), {
      maxItems: this.context.maxListItems,
    });
  }

  async get(nativeId: string): Promise<NativeVolume | null> {
    const volume = await this.context.client.get(ENTITY, nativeId);
    return volume === null ? null : mapOne(volume, VOLUME, (v) => toVolume(this.context.map, v));
  }
}

/** The volume operations' plans. */
export class CloudmcVolumePlans {
  constructor(private readonly context: CloudmcContext) {}

  private get client() {
    return this.context.client;
  }

  create(request: OperationRequest<'volume.create'>): OperationPlan {
    const { name, sizeGb, serverId } = request.input;
    const options = request.input.providerOptions as VolumeCreateOptions;
    if (!serverId) {
      // The v2 docs (and Terraform) require instanceId on create: CloudMC data volumes are born attached
      // (docs/providers/cloudmc.md#volumes).
      throw new ValidationError('CloudMC creates data volumes attached to an instance: give serverId.', [
        { field: 'serverId', message: 'is required on CloudMC' },
      ]);
    }
    if (!Number.isInteger(sizeGb) && !options.diskOfferingId) {
      throw new ValidationError('CloudMC volume sizes are whole GiB.', [
        { field: 'sizeGb', message: 'must be a whole number on CloudMC' },
      ]);
    }
    const isMine = (item: { name?: string }) => hasMarker(item.name, request.taskId);
    const prepare: OperationStep = {
      name: 'prepare',
      run: async (ctx) => {
        const offering = options.diskOfferingId
          ? { id: options.diskOfferingId, customSize: true }
          : await this.offering(sizeGb);
        ctx.state.body = {
          name: markedName(name, request.taskId),
          diskOfferingId: offering.id,
          instanceId: serverId,
          ...(offering.customSize ? { sizeInGb: sizeGb } : {}),
        };
        return { status: 'done' };
      },
    };
    return {
      resourceType: ResourceType.Volume,
      steps: [
        prepare,
        callStep(
          'create-volume',
          async (ctx) => {
            const adopted = ctx.resumed ? await adoptCreated(this.context, ENTITY, ctx, isMine) : null;
            return adopted
              ? { taskId: null, taskStatus: null, data: { id: adopted } }
              : this.client.mutate('POST', 'volumes', { body: ctx.state.body });
          },
          { idempotent: false },
        ),
        // Found by its marker in the list (the create's task is read only while it is not listed).
        this.waitVolume('wait-ready', {
          create: true,
          done: (v) => stateIs(v, 'Ready') && v.instanceId === serverId,
          whenMissing: 'task',
        }),
      ],
      deadlineSeconds: DEADLINE_S,
      reconcile: async (ctx) => {
        const id = ctx.nativeId ?? (await adoptCreated(this.context, ENTITY, ctx, isMine));
        return stateIs(id ? await this.client.getOf('volumes', id, VOLUME) : null, 'Ready');
      },
    };
  }

  delete(_request: OperationRequest<'volume.delete'>): OperationPlan {
    return this.plan(
      callStep('delete', async (ctx) => {
        const volume = await this.client.getOf('volumes', ctx.nativeId!, VOLUME);
        if (!volume) return null;
        if (volume.type?.toLowerCase() === 'os')
          throw new ConflictError('A root volume is deleted with its server, not on its own.');
        if (volume.instanceId) {
          throw new ConflictError('The volume is attached; detach it first.', {
            extensions: { currentState: 'in-use', expectedStates: ['available'] },
          });
        }
        return this.client.mutate('DELETE', 'volumes', { id: ctx.nativeId! });
      }),
      this.waitVolume('wait-deleted', {
        done: (volume) => stateIs(volume, 'Expunged'),
        unchanged: (volume) => !stateIs(volume, 'Destroy', 'Expunging'),
        whenMissing: 'done',
        failWhen: [],
      }),
      async (ctx) => !(await this.client.getOf('volumes', ctx.nativeId!, VOLUME)),
    );
  }

  attach(request: OperationRequest<'volume.attach'>): OperationPlan {
    const serverId = request.input.serverId;
    return this.plan(
      callStep('attach', async (ctx) => {
        const volume = await this.requireVolume(ctx.nativeId!);
        if (volume.instanceId === serverId) return null;
        if (volume.instanceId)
          throw new ConflictError('The volume is attached to another server; detach it first.');
        return this.client.mutate('POST', 'volumes', {
          id: ctx.nativeId!,
          operation: 'attachToInstance',
          body: { instanceId: serverId },
        });
      }),
      this.waitVolume('wait-attached', {
        done: (v) => v.instanceId === serverId && stateIs(v, 'Ready'),
        unchanged: (v) => !v.instanceId && !stateIs(v, 'Attaching'),
      }),
      async (ctx) => (await this.client.getOf('volumes', ctx.nativeId!, VOLUME))?.instanceId === serverId,
    );
  }

  detach(_request: OperationRequest<'volume.detach'>): OperationPlan {
    return this.plan(
      callStep('detach', async (ctx) => {
        const volume = await this.requireVolume(ctx.nativeId!);
        if (!volume.instanceId) return null;
        if (volume.type?.toLowerCase() === 'os')
          throw new ConflictError('A root volume cannot be detached from its server.');
        return this.client.mutate('POST', 'volumes', { id: ctx.nativeId!, operation: 'detachFromInstance' });
      }),
      this.waitVolume('wait-detached', {
        done: (v) => !v.instanceId && stateIs(v, 'Ready', 'Allocated'),
        unchanged: (v) => !!v.instanceId && !stateIs(v, 'Detaching'),
      }),
      async (ctx) => !(await this.client.getOf('volumes', ctx.nativeId!, VOLUME))?.instanceId,
    );
  }

  /**
   * `POST /volumes/:id?operation=resize {sizeInGb}` (not in the docs; what GO and Terraform send): grow only, whole
   * GiB, data volumes only. A volume whose offering has a fixed size is moved to a custom-size one in the same
   * call (`diskOfferingId`). CloudMC reboots the instance the volume is attached to: the plan waits for it to run
   * again (docs/providers/cloudmc.md#volume-resize).
   */
  resize(request: OperationRequest<'volume.resize'>): OperationPlan {
    const { sizeGb } = request.input;
    if (!Number.isInteger(sizeGb) || sizeGb < 1) {
      throw new ValidationError('CloudMC volume sizes are whole GiB.', [
        { field: 'sizeGb', message: 'must be a whole number of GiB on CloudMC' },
      ]);
    }
    return {
      resourceType: ResourceType.Volume,
      steps: [
        callStep('resize', async (ctx) => {
          const volume = await this.requireVolume(ctx.nativeId!);
          if (volume.type?.toLowerCase() === 'os')
            throw new ConflictError(
              'CloudMC resizes data volumes; a root volume is sized when its server is made.',
            );
          const current = volumeSizeGb(volume);
          // Already there: the call of this step landed before a crash (else the size was refused below).
          if (ctx.resumed && current === sizeGb) return null;
          if (current >= sizeGb) {
            throw new ValidationError(`CloudMC volumes only grow: this one has ${current} GiB.`, [
              { field: 'sizeGb', message: `must be larger than the current ${current} GiB` },
            ]);
          }
          if (stateIs(volume, 'Resizing', 'Attaching', 'Detaching', 'Creating'))
            return {
              wait: pollDelay(ctx.polls, this.context.backoff),
              providerStatus: volume.state ?? undefined,
            };
          if (!stateIs(volume, 'Ready')) {
            throw new ConflictError(`Cannot resize a volume that is ${volume.state}; expected Ready.`, {
              extensions: { currentState: volume.state ?? null, expectedStates: ['Ready'] },
            });
          }
          ctx.state.serverId = volume.instanceId ?? null;
          return this.client.mutate('POST', ENTITY, {
            id: ctx.nativeId!,
            operation: 'resize',
            body: { sizeInGb: sizeGb, ...(await this.customSizeOffering(volume)) },
          });
        }),
        this.waitVolume('wait-resized', {
          done: (v) => volumeSizeGb(v) >= sizeGb && stateIs(v, 'Ready'),
          unchanged: (v) => volumeSizeGb(v) < sizeGb && stateIs(v, 'Ready'),
        }),
        // The instance reboots to see its disk grow (Terraform's docs): done once it is out of its transition.
        waitListed<CmInstance>(this.context, {
          name: 'wait-server',
          reader: this.context.polled.instances,
          idOf: (ctx) => (ctx.state.serverId as string | null | undefined) ?? null,
          done: (instance) => !stateIs(instance, 'Rebooting', 'Stopping', 'Starting'),
          whenMissing: 'done',
          status: (instance) => instance.state,
        }),
      ],
      deadlineSeconds: DEADLINE_S,
      reconcile: async (ctx) => {
        const volume = await this.client.getOf('volumes', ctx.nativeId!, VOLUME);
        return !!volume && volumeSizeGb(volume) >= sizeGb;
      },
    };
  }

  /**
   * `{diskOfferingId}` of a custom-size offering when the volume's own offering has a fixed size (CloudStack
   * sizes only custom-size offerings freely); nothing when it is custom or unknown.
   */
  private async customSizeOffering(volume: CmVolume): Promise<{ diskOfferingId?: string }> {
    if (!volume.diskOfferingId) return {};
    const offerings = await this.client.listOf('diskofferings', DISK_OFFERING);
    const own = offerings.find((o) => o.id === volume.diskOfferingId);
    if (!own || own.customSize) return {};
    const custom = offerings.find((o) => o.customSize);
    if (!custom) {
      throw new ValidationError(
        'This CloudMC environment has no custom-size disk offering to grow the volume to.',
        [
          {
            field: 'sizeGb',
            message: 'cannot change on this connection: its disk offerings have fixed sizes',
          },
        ],
      );
    }
    return { diskOfferingId: custom.id };
  }

  private plan(
    call: OperationStep,
    confirm: OperationStep,
    reconcile: (ctx: StepContext) => Promise<boolean>,
  ): OperationPlan {
    return {
      resourceType: ResourceType.Volume,
      steps: [call, confirm],
      deadlineSeconds: DEADLINE_S,
      reconcile,
    };
  }

  /**
   * A wait on the shared volume list: `done` ends it, `unchanged` (the volume as before the call) asks the task.
   * Error, UploadError, Destroy and Expunging fail it unless `failWhen` says otherwise; a volume missing from the
   * list is waited for (or asks the create's task) unless `whenMissing` says otherwise.
   */
  private waitVolume(
    name: string,
    options: {
      done: (volume: CmVolume) => boolean;
      unchanged?: (volume: CmVolume) => boolean;
      create?: boolean;
      whenMissing?: 'done' | 'task';
      failWhen?: string[];
    },
  ): OperationStep {
    const failWhen = options.failWhen ?? ['Error', 'UploadError', 'Destroy', 'Expunging'];
    return waitListed<CmVolume>(this.context, {
      name,
      reader: this.context.polled.volumes,
      create: options.create,
      done: options.done,
      failed: (volume) => (stateIs(volume, ...failWhen) ? `The volume went to ${volume.state}.` : null),
      unchanged: options.unchanged,
      whenMissing: options.whenMissing ?? 'task',
      status: (volume) => volume.state,
    });
  }

  private async requireVolume(id: string): Promise<CmVolume> {
    const volume = await this.client.getOf('volumes', id, VOLUME);
    if (!volume) throw new NotFoundError(`CloudMC has no volume '${id}'.`);
    return volume;
  }

  /** The disk offering of exactly this size, else a custom-size one. */
  private async offering(sizeGb: number): Promise<{ id: string; customSize: boolean }> {
    const offerings = await this.client.listOf('diskofferings', DISK_OFFERING);
    const exact = offerings.find((o) => !o.customSize && o.gbSize === sizeGb);
    const custom = offerings.find((o) => o.customSize);
    const chosen = exact ?? custom;
    if (!chosen) {
      const sizes = offerings.map((o) => o.gbSize).filter((s) => s !== undefined);
      throw new ValidationError(
        `No CloudMC disk offering of ${sizeGb} GiB; sizes offered: ${sizes.join(', ') || 'none'}.`,
        [
          {
            field: 'sizeGb',
            message: `must be one of ${sizes.join(', ') || 'the offered sizes'} on this connection`,
          },
        ],
      );
    }
    return { id: chosen.id, customSize: chosen === custom && !exact };
  }
}
