import type { IpAddress } from '../../domain/ip-address.dto';
import { ResourceType } from '../../domain/states';
import type { OperationPlan, OperationStep } from '../ports/operation-plan';
import type { OperationRequest } from '../ports/operations';
import type { IpPort } from '../ports/ports';
import {
  type AttachmentKind,
  attachSteps,
  detachSteps,
  failedCreate,
  missingId,
  removeStep,
} from './imco-attachment.steps';
import { seg } from './imco-http.client';
import { chooseAccount, firstRealm, realmOfServer, requireServer } from './imco-lookups';
import { adoptCreated, markStep, withMarker } from './imco-markers';
import { PATHS } from './imco-readers';
import { stateIs } from './imco-states';
import { waitGone, waitState } from './imco-wait.steps';
import type { ImcoContext } from './imco.context';
import { toIpAddress } from './imco.mapper';
import type { IpAllocateOptions } from './imco.options';
import type { ImFloatingIp } from './imco.types';

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
    };
  }

  private get client() {
    return this.context.client;
  }

  async list(): Promise<IpAddress[]> {
    return (await this.client.list<ImFloatingIp>(PATHS.floatingIps, 'floating_ips.list')).map((ip) =>
      toIpAddress(this.context.map, ip),
    );
  }

  async get(nativeId: string): Promise<IpAddress | null> {
    const ip = await this.read(nativeId);
    return ip ? toIpAddress(this.context.map, ip) : null;
  }

  allocate(request: OperationRequest<'ip.allocate'>): OperationPlan {
    const { serverId } = request.input;
    const options = request.input.providerOptions as IpAllocateOptions;
    const name = options.name ?? DEFAULT_NAME;
    const listIps = () => this.client.list<ImFloatingIp>(PATHS.floatingIps, 'floating_ips.list');
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
    const allocate: OperationStep = {
      name: 'allocate',
      idempotent: false,
      run: async (step) => {
        if (step.resumed) {
          const adopted = await adoptCreated(step, 'floating IPs', listIps, name);
          if (adopted) return { status: 'done', nativeId: adopted, providerStatus: 'adopted' };
        }
        const body = { ...(step.state.body as object), label_ids: withMarker(step, options.labelIds) };
        const created = await this.client.send<ImFloatingIp>(
          'POST',
          PATHS.floatingIps,
          'floating_ips.create',
          body,
        );
        const id = created?.id ?? (await adoptCreated(step, 'floating IPs', listIps, name));
        if (!id) throw missingId('floating IP');
        return { status: 'done', nativeId: id, providerStatus: created?.state ?? 'commissioning' };
      },
    };
    const steps: OperationStep[] = [
      prepare,
      markStep(this.context, request.taskId, listIps, () => name),
      allocate,
      waitState<ImFloatingIp>(this.context, {
        name: 'wait-allocated',
        reader: this.context.readers.floatingIps,
        done: (ip) => !stateIs(ip, 'commissioning', 'allocating'),
        failed: failedCreate('floating IP'),
        whenMissing: 'wait',
      }),
    ];
    if (serverId) steps.push(...attachSteps(this.context, this.kind, () => serverId));
    return {
      resourceType: ResourceType.Ip,
      steps,
      deadlineSeconds: DEADLINE_S,
      reconcile: async (step) => {
        const id = step.nativeId ?? (await adoptCreated(step, 'floating IPs', listIps, name));
        const ip = id ? await this.read(id) : null;
        return (
          !!ip && !stateIs(ip, 'commissioning', 'error') && (!serverId || ip.attached_server_id === serverId)
        );
      },
    };
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
    return this.client.get<ImFloatingIp>(`${PATHS.floatingIps}/${seg(id)}`, 'floating_ips.get');
  }
}
