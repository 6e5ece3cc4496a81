import type { IpAddress } from '../../domain/ip-address.dto';
import { ResourceType } from '../../domain/states';
import type { OperationPlan, OperationStep } from '../ports/operation-plan';
import type { OperationRequest } from '../ports/operations';
import type { IpPort } from '../ports/ports';
import { type AttachmentKind, attachSteps, detachSteps, removeStep } from './imco-attachment.steps';
import { markedCreatePlan } from './imco-create.steps';
import { seg } from './imco-http.client';
import { chooseAccount, firstRealm, realmOfServer, requireServer } from './imco-lookups';
import { PATHS } from './imco-readers';
import { waitGone } from './imco-wait.steps';
import type { ImcoContext } from './imco.context';
import { toIpAddress } from './imco.mapper';
import type { IpAllocateOptions } from './imco.options';
import type { ImFloatingIp } from './imco.types';
import { type Listed, mapListed, mapOne } from '../ports/wire';
import { ImcoFloatingIp } from './imco.wire';

const DEADLINE_S = 1_200;
const DEFAULT_NAME = 'floating-ip';

/** IP addresses are IMCO floating IPs, in a realm of a cloud account; attach is `POST .../attached_server`. */
export class ImcoIps implements IpPort {
  private readonly kind: AttachmentKind<ImFloatingIp>;

  constructor(private readonly context: ImcoContext) {
    this.kind = {
      noun: 'floating IP',
      path: PATHS.floatingIps,
      operation: 'floating_ips',
      reader: context.readers.floatingIps,
      type: ImcoFloatingIp,
    };
  }

  private get client() {
    return this.context.client;
  }

  async list(): Promise<Listed<IpAddress>> {
    return mapListed(
      await this.client.list<unknown>(PATHS.floatingIps, 'floating_ips.list'),
      ImcoFloatingIp,
      (ip) => toIpAddress(this.context.map, ip),
      this.context.limits,
    );
  }

  async get(nativeId: string): Promise<IpAddress | null> {
    const ip = await this.client.get<unknown>(`${PATHS.floatingIps}/${seg(nativeId)}`, 'floating_ips.get');
    return ip ? mapOne(ip, ImcoFloatingIp, (checked) => toIpAddress(this.context.map, checked)) : null;
  }

  allocate(request: OperationRequest<'ip.allocate'>): OperationPlan {
    const { serverId } = request.input;
    const options = request.input.providerOptions as IpAllocateOptions;
    const name = options.name ?? DEFAULT_NAME;
    const prepare: OperationStep = {
      name: 'prepare',
      run: async (step) => {
        const server = serverId ? await requireServer(this.context, serverId) : null;
        const account = await chooseAccount(this.context, {
          explicit: options.cloudAccountId ?? server?.cloud_account_id ?? undefined,
          field: 'providerOptions.cloudAccountId',
        });
        const realmId =
          options.realmId ??
          (server ? await realmOfServer(this.context, server) : null) ??
          (await firstRealm(this.context, account.cloud_provider_id ?? '', 'providerOptions.realmId')).id;
        step.state.body = { name, cloud_account_id: account.id, realm_id: realmId };
        return { status: 'done' };
      },
    };
    return markedCreatePlan(this.context, {
      kind: this.kind,
      resourceType: ResourceType.Ip,
      taskId: request.taskId,
      name,
      labelIds: options.labelIds,
      serverId,
      prepare,
      createStep: 'allocate',
      waitStep: 'wait-allocated',
      busyStates: ['commissioning', 'allocating'],
      deadlineSeconds: DEADLINE_S,
      read: (id) => this.read(id),
    });
  }

  release(_request: OperationRequest<'ip.release'>): OperationPlan {
    return {
      resourceType: ResourceType.Ip,
      steps: [
        removeStep(this.context, this.kind, 'release'),
        waitGone<ImFloatingIp>(
          this.context,
          'wait-released',
          this.context.readers.floatingIps,
          PATHS.floatingIps,
        ),
      ],
      deadlineSeconds: DEADLINE_S,
      reconcile: async (step) => !(await this.read(step.nativeId!)),
    };
  }

  attach(request: OperationRequest<'ip.attach'>): OperationPlan {
    const serverId = request.input.serverId;
    return {
      resourceType: ResourceType.Ip,
      steps: attachSteps(this.context, this.kind, () => serverId),
      deadlineSeconds: DEADLINE_S,
      reconcile: async (step) => (await this.read(step.nativeId!))?.attached_server_id === serverId,
    };
  }

  detach(_request: OperationRequest<'ip.detach'>): OperationPlan {
    return {
      resourceType: ResourceType.Ip,
      steps: detachSteps(this.context, this.kind),
      deadlineSeconds: DEADLINE_S,
      reconcile: async (step) => !(await this.read(step.nativeId!))?.attached_server_id,
    };
  }

  private read(id: string): Promise<ImFloatingIp | null> {
    return this.client.get<ImFloatingIp>(
      `${PATHS.floatingIps}/${seg(id)}`,
      'floating_ips.get',
      ImcoFloatingIp,
    );
  }
}
