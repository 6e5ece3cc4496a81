import { Injectable } from '@nestjs/common';
import { ResourceType } from '../../domain/states';
import type { Submitted } from '../../tasks/task-intake.service';
import { MutationService, type MutationCall } from '../../application/mutation.service';
import { CreateVolumeRequest } from './volumes.dto';

@Injectable()
export class VolumesService {
  constructor(private readonly mutations: MutationService) {}

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
        providerOptions,
      }),
    });
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
