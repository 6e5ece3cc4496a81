import { Injectable } from '@nestjs/common';
import { ValidationError } from '../../common/errors/gateway-error';
import { ResourceType } from '../../domain/states';
import type { OperationInputs } from '../../providers/ports/operations';
import type { Connection } from '../../providers/registry/connection';
import type { Submitted } from '../../tasks/task-intake.service';
import { LabelChanges, type LabelChangeOutcome } from '../../application/label-changes.service';
import { MutationService, type MutationCall } from '../../application/mutation.service';
import { checkFeatureInputs } from '../../application/request-features';
import { ResourceAccess } from '../../application/resource-access.service';
import {
  CreateServerRequest,
  RebuildServerRequest,
  ResizeServerRequest,
  UpdateServerRequest,
} from './servers.dto';

type ServerOperation = 'server.start' | 'server.stop' | 'server.reboot' | 'server.delete';

/** A size is a plan, or cores with memory; never both, never half of the second. Null when the body keeps that. */
function sizingProblem(
  body: { planId?: string; cpuCores?: number; memoryMb?: number },
  required: boolean,
): ValidationError | null {
  const sized = body.cpuCores !== undefined || body.memoryMb !== undefined;
  if (body.planId && sized)
    return new ValidationError('Give either planId or cpuCores and memoryMb, not both.', [
      { field: 'planId', message: 'must not be combined with cpuCores or memoryMb' },
    ]);
  if (sized && (body.cpuCores === undefined || body.memoryMb === undefined))
    return new ValidationError('cpuCores and memoryMb go together.', [
      {
        field: body.cpuCores === undefined ? 'cpuCores' : 'memoryMb',
        message: 'is required with the other',
      },
    ]);
  if (required && !body.planId && !sized)
    return new ValidationError('Give the new size: planId, or cpuCores and memoryMb.', [
      { field: 'planId', message: 'is required unless cpuCores and memoryMb are given' },
    ]);
  return null;
}

@Injectable()
export class ServersService {
  constructor(
    private readonly mutations: MutationService,
    private readonly access: ResourceAccess,
    private readonly labelChanges: LabelChanges,
  ) {}

  create(call: MutationCall, body: CreateServerRequest): Promise<Submitted> {
    const sizing = sizingProblem(body, false);
    if (sizing) throw sizing;
    return this.mutations.submit({
      call,
      operation: 'server.create',
      connection: body.provider,
      providerOptions: body.providerOptions,
      input: async (adapter, providerOptions) => {
        checkFeatureInputs(adapter, 'server.create', body);
        return {
          name: body.name,
          imageId: this.access.nativeRef(adapter, body.imageId, 'imageId'),
          planId:
            body.planId === undefined ? undefined : this.access.nativeRef(adapter, body.planId, 'planId'),
          cpuCores: body.cpuCores,
          memoryMb: body.memoryMb,
          locationId:
            body.locationId === undefined
              ? undefined
              : this.access.nativeRef(adapter, body.locationId, 'locationId'),
          networkIds: body.networkIds?.map((ref, i) =>
            this.access.nativeRef(adapter, ref, `networkIds[${i}]`),
          ),
          sshPublicKeys: body.sshPublicKeys,
          ...(body.sshKeyIds?.length ? { sshKeyIds: await this.sshKeyIds(adapter, body.sshKeyIds) } : {}),
          ...(body.userData ? { userData: body.userData } : {}),
          labels: body.labels ?? {},
          powerOn: body.powerOn ?? true,
          providerOptions,
        };
      },
    });
  }

  /**
   * A rename (always a task) or a change of labels (a task where the backend keeps them, else at once); never both
   * in one request (docs/design.md#labels).
   */
  async update(
    call: MutationCall,
    id: string,
    body: UpdateServerRequest,
  ): Promise<LabelChangeOutcome<ResourceType.Server>> {
    if (body.name !== undefined && body.labels !== undefined)
      throw new ValidationError('Change the name and the labels in separate requests.', [
        { field: 'labels', message: 'must not be combined with name: change them in separate requests' },
      ]);
    if (body.labels !== undefined)
      return this.labelChanges.change(call, ResourceType.Server, id, body.labels);
    if (body.name === undefined)
      return this.labelChanges.nothingAsked(
        call,
        ResourceType.Server,
        id,
        new ValidationError('Give the new name or a change of labels.', [
          { field: 'name', message: 'is required unless labels are given' },
        ]),
      );
    return { submitted: await this.mutations.submitOn(call, 'server.rename', id, { name: body.name }) };
  }

  /** Exactly one form of size; a body with neither or both answers 400, once the server is known to exist. */
  resize(call: MutationCall, id: string, body: ResizeServerRequest): Promise<Submitted> {
    const target = this.access.resolve(call.caller, id);
    return this.mutations.submit({
      call,
      operation: 'server.resize',
      resourceId: id,
      input: async (adapter) => {
        const sizing = sizingProblem(body, true);
        if (sizing) {
          await this.mutations.requireExisting(adapter, ResourceType.Server, target.nativeId, id);
          throw sizing;
        }
        return {
          ...(body.planId ? { planId: this.access.nativeRef(adapter, body.planId, 'planId') } : {}),
          ...(body.cpuCores !== undefined ? { cpuCores: body.cpuCores, memoryMb: body.memoryMb } : {}),
        };
      },
    });
  }

  rebuild(call: MutationCall, id: string, body: RebuildServerRequest): Promise<Submitted> {
    return this.mutations.submit({
      call,
      operation: 'server.rebuild',
      resourceId: id,
      providerOptions: body.providerOptions,
      input: async (adapter, providerOptions) => {
        checkFeatureInputs(adapter, 'server.rebuild', body);
        return {
          imageId: this.access.nativeRef(adapter, body.imageId, 'imageId'),
          ...(body.sshPublicKeys?.length ? { sshPublicKeys: body.sshPublicKeys } : {}),
          ...(body.sshKeyIds?.length ? { sshKeyIds: await this.sshKeyIds(adapter, body.sshKeyIds) } : {}),
          ...(body.userData ? { userData: body.userData } : {}),
          providerOptions,
        };
      },
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

  /** Gateway ids of the connection's SSH keys as native ids, each checked to exist (400/404 now, not a failed task). */
  private sshKeyIds(adapter: Connection, refs: string[]): Promise<string[]> {
    return Promise.all(
      refs.map((ref, i) => this.mutations.reference(adapter, ResourceType.SshKey, ref, `sshKeyIds[${i}]`)),
    );
  }
}
