import { ResourceType } from '../../../domain/states';
import { type Listed, mapListed, mapOne } from '../../kit/wire';
import type { NativeIpAddress } from '../../ports/native';
import type { OperationPlan, OperationStep } from '../../ports/operation-plan';
import type { OperationRequest } from '../../ports/operations';
import type { IpReader } from '../../ports/ports';
import { PATHS, seg } from '../client/http.client';
import { ImcoFloatingIp } from '../client/wire';
import type { ImFloatingIp } from '../client/wire.types';
import type { IpAllocateOptions } from '../imco.options';
import { toIpAddress } from '../model/mapper';
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
import { chooseAccount, firstRealm, realmOfServer, requireServer } from './reads';
import { waitGone } from './wait.steps';

// IP addresses are IMCO floating IPs (docs/providers/imco.md#floating-ips), in a realm of a cloud account; attach
// is `POST .../attached_server`.

const DEADLINE_S = 1_200;
const DEFAULT_NAME = 'floating-ip';

/** Floating IPs as IMCO lists them. */
export class ImcoIpReader implements IpReader {
  constructor(private readonly context: ImcoContext) {}

  async list(): Promise<Listed<NativeIpAddress>> {
    const [ips, labels] = await Promise.all([
      this.context.client.list<unknown>(PATHS.floatingIps, 'floating_ips.list'),
      this.context.labels.index(),
    ]);
    return mapListed(
      ips,
      ImcoFloatingIp,
      (ip) => toIpAddress(this.context.map, ip, labels),
      this.context.limits,
    );
  }

  async get(nativeId: string): Promise<NativeIpAddress | null> {
    const [ip, labels] = await Promise.all([
      this.context.client.get<unknown>(`${PATHS.floatingIps}/${seg(nativeId)}`, 'floating_ips.get'),
      this.context.labels.index(),
    ]);
    return ip ? mapOne(ip, ImcoFloatingIp, (valid) => toIpAddress(this.context.map, valid, labels)) : null;
  }
}

/** The IP operations: allocate, release, attach, detach, relabel. */
export class ImcoIpPlans {
  private readonly kind: AttachmentKind<ImFloatingIp>;

  constructor(private readonly context: ImcoContext) {
    this.kind = {
      noun: 'floating IP',
      path: PATHS.floatingIps,
      operation: 'floating_ips',
      reader: context.polled.floatingIps,
      type: ImcoFloatingIp,
    };
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
      labels: request.input.labels,
      serverId,
      prepare,
      createStep: 'allocate',
      waitStep: 'wait-allocated',
      busyStates: ['commissioning', 'allocating'],
      deadlineSeconds: DEADLINE_S,
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
          this.context.polled.floatingIps,
          PATHS.floatingIps,
        ),
      ],
      deadlineSeconds: DEADLINE_S,
      reconcile: async (step) => !(await this.read(step.nativeId!)),
    };
  }

  attach(request: OperationRequest<'ip.attach'>): OperationPlan {
    return attachPlan(this.context, this.kind, ResourceType.Ip, request.input.serverId, DEADLINE_S);
  }

  detach(_request: OperationRequest<'ip.detach'>): OperationPlan {
    return detachPlan(this.context, this.kind, ResourceType.Ip, DEADLINE_S);
  }

  relabel(request: OperationRequest<'ip.relabel'>): OperationPlan {
    return relabelPlan(this.context, LABEL_TARGETS.ip, request.input.labels, DEADLINE_S);
  }

  private read(id: string): Promise<ImFloatingIp | null> {
    return readItem(this.context, this.kind, id);
  }
}
