import { Injectable } from '@nestjs/common';
import { ValidationError } from '../../common/errors/gateway-error';
import type { OperationInputs } from '../../providers/ports/operations';
import type { Submitted } from '../../tasks/task-intake.service';
import { MutationService, type MutationCall } from '../../application/mutation.service';
import { ResourceAccess } from '../../application/resource-access.service';
import { CreateServerRequest } from './servers.dto';

type ServerOperation = 'server.start' | 'server.stop' | 'server.reboot' | 'server.rename' | 'server.delete';

@Injectable()
export class ServersService {
  constructor(
    private readonly mutations: MutationService,
    private readonly access: ResourceAccess,
  ) {}

  create(call: MutationCall, body: CreateServerRequest): Promise<Submitted> {
    const sized = body.cpuCores !== undefined || body.memoryMb !== undefined;
    if (body.planId && sized) {
      throw new ValidationError('Give either planId or cpuCores and memoryMb, not both.', [
        { field: 'planId', message: 'must not be combined with cpuCores or memoryMb' },
      ]);
    }
    if (sized && (body.cpuCores === undefined || body.memoryMb === undefined)) {
      throw new ValidationError('cpuCores and memoryMb go together.', [
        {
          field: body.cpuCores === undefined ? 'cpuCores' : 'memoryMb',
          message: 'is required with the other',
        },
      ]);
    }
    return this.mutations.submit({
      call,
      operation: 'server.create',
      connection: body.provider,
      providerOptions: body.providerOptions,
      input: (adapter, providerOptions) => ({
        name: body.name,
        imageId: this.access.nativeRef(adapter, body.imageId, 'imageId'),
        planId: body.planId === undefined ? undefined : this.access.nativeRef(adapter, body.planId, 'planId'),
        cpuCores: body.cpuCores,
        memoryMb: body.memoryMb,
        locationId:
          body.locationId === undefined
            ? undefined
            : this.access.nativeRef(adapter, body.locationId, 'locationId'),
        networkIds: body.networkIds?.map((ref, i) => this.access.nativeRef(adapter, ref, `networkIds[${i}]`)),
        sshPublicKeys: body.sshPublicKeys,
        powerOn: body.powerOn ?? true,
        providerOptions,
      }),
    });
  }

  submit<O extends ServerOperation>(
    call: MutationCall,
    operation: O,
    id: string,
    input: OperationInputs[O],
  ): Promise<Submitted> {
    return this.mutations.submitOn(call, operation, id, input);
  }
}
