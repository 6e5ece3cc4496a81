import { Injectable } from '@nestjs/common';
import { ResourceType } from '../../domain/states';
import type { Submitted } from '../../tasks/task-intake.service';
import { ValidationError } from '../../common/errors/gateway-error';
import { LabelChanges, type LabelChangeOutcome } from '../../application/label-changes.service';
import { MutationService, type MutationCall } from '../../application/mutation.service';
import { ResourceAccess } from '../../application/resource-access.service';
import { CreateVolumeRequest } from './volumes.dto';

@Injectable()
export class VolumesService {
  constructor(
    private readonly mutations: MutationService,
    private readonly access: ResourceAccess,
    private readonly labelChanges: LabelChanges,
  ) {}

  create(call: MutationCall, body: CreateVolumeRequest): Promise<Submitted> {
    return this.mutations.submit({
      call,
      operation: 'volume.create',
      connection: body.provider,
      providerOptions: body.providerOptions,
      input: async (adapter, providerOptions) => ({
        name: body.name,
        sizeGb: body.sizeGb,
        serverId:
          body.serverId === undefined
            ? undefined
            : await this.mutations.reference(adapter, ResourceType.Server, body.serverId, 'serverId'),
        labels: body.labels ?? {},
        providerOptions,
      }),
    });
  }

  /** Grow only: a size not larger than the volume's now (read fresh) answers 400 before any backend call. */
  resize(call: MutationCall, id: string, sizeGb: number): Promise<Submitted> {
    const target = this.access.resolve(call.caller, id);
    return this.mutations.submit({
      call,
      operation: 'volume.resize',
      resourceId: id,
      input: async (adapter) => {
        const volume = await this.mutations.freshRead(adapter, ResourceType.Volume, target.nativeId, id);
        if (sizeGb <= volume.sizeGb)
          throw new ValidationError(`Volumes only grow: '${id}' has ${volume.sizeGb} GiB now.`, [
            { field: 'sizeGb', message: `must be larger than the volume's size now, ${volume.sizeGb} GiB` },
          ]);
        return { sizeGb };
      },
    });
  }

  /** A change of labels: a task where the backend keeps them, else at once (docs/design.md#labels). */
  relabel(
    call: MutationCall,
    id: string,
    labels: Record<string, string | null>,
  ): Promise<LabelChangeOutcome<ResourceType.Volume>> {
    return this.labelChanges.change(call, ResourceType.Volume, id, labels);
  }

  attach(call: MutationCall, id: string, serverId: string): Promise<Submitted> {
    return this.mutations.submit({
      call,
      operation: 'volume.attach',
      resourceId: id,
      input: async (adapter) => ({
        serverId: await this.mutations.reference(adapter, ResourceType.Server, serverId, 'serverId'),
      }),
    });
  }

  submit(call: MutationCall, operation: 'volume.delete' | 'volume.detach', id: string): Promise<Submitted> {
    return this.mutations.submitOn(call, operation, id, {});
  }
}
