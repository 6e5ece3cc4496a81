import { ProviderError, ValidationError } from '../../common/errors/gateway-error';
import type { Network } from '../../domain/network.dto';
import { ResourceType } from '../../domain/states';
import { markedName, taskMarker } from '../ports/markers';
import type { OperationPlan } from '../ports/operation-plan';
import type { OperationRequest } from '../ports/operations';
import type { NetworkPort } from '../ports/ports';
import { pollDelay } from '../ports/polling';
import { type CloudsigmaContext, findMarked, vlanPath } from './cloudsigma.context';
import { toNetwork } from './cloudsigma.mapper';
import { type Listed, mapListed, mapOne } from '../ports/wire';
import { CloudsigmaVlan } from './cloudsigma.wire';
import { ofType } from '../ports/wire';

const DEADLINE_S = 300;

/**
 * Networks = VLANs (`/resources/vlan/`): a name and a UUID, no address range. A VLAN has no metadata keys, so
 * the crash-safe marker of a create is a name suffix that the mapper strips.
 */
export class CloudsigmaNetworks implements NetworkPort {
  constructor(private readonly context: CloudsigmaContext) {}

  /** Every VLAN object as sent (the list checks each one). */
  private fetchAll() {
    return this.context.client.objects('/resources/vlan/info', 'resource', 'vlans.list');
  }

  /** The VLANs that pass their checks (for finding a created one). */
  private async all() {
    return ofType(await this.fetchAll(), CloudsigmaVlan);
  }

  private read(id: string) {
    return this.context.client.object(vlanPath(id, 'info'), 'resource', 'vlans.get');
  }

  async list(): Promise<Listed<Network>> {
    return mapListed(
      await this.fetchAll(),
      CloudsigmaVlan,
      (vlan) => toNetwork(this.context.map, vlan),
      this.context.limits,
      CloudsigmaVlan.nativeIdOf,
    );
  }

  async get(nativeId: string): Promise<Network | null> {
    const vlan = await this.read(nativeId);
    return vlan ? mapOne(vlan, CloudsigmaVlan, (v) => toNetwork(this.context.map, v)) : null;
  }

  create(request: OperationRequest<'network.create'>): OperationPlan {
    if (request.input.cidr) {
      throw new ValidationError('CloudSigma VLANs carry no address range.', [
        { field: 'cidr', message: 'is not supported on CloudSigma 1.0 (a VLAN has no subnet)' },
      ]);
    }
    const marker = taskMarker(request.taskId);
    return {
      resourceType: ResourceType.Network,
      steps: [
        {
          name: 'create-vlan',
          idempotent: false,
          run: async (ctx) => {
            const adopted = ctx.resumed ? findMarked(await this.all(), marker, 'resource', 'VLANs') : null;
            if (adopted) return { status: 'done', nativeId: adopted, providerStatus: 'VLAN found' };
            const answer = await this.context.client.post(
              '/resources/vlan/create',
              { name: markedName(request.input.name, request.taskId) },
              'vlans.create',
            );
            const vlan = answer.find((o) => o.resource);
            if (!vlan)
              throw new ProviderError('CloudSigma answered the VLAN create without the VLAN.', {
                retryable: false,
              });
            return { status: 'done', nativeId: vlan.resource!, resource: toNetwork(this.context.map, vlan) };
          },
        },
      ],
      deadlineSeconds: DEADLINE_S,
      reconcile: async (ctx) => !!(ctx.nativeId ?? findMarked(await this.all(), marker, 'resource', 'VLANs')),
    };
  }

  /** A VLAN with a server NIC on it is refused by CloudSigma ("currently in use" → conflict). */
  delete(_request: OperationRequest<'network.delete'>): OperationPlan {
    return {
      resourceType: ResourceType.Network,
      steps: [
        {
          name: 'destroy-vlan',
          run: async (ctx) => {
            if (!(await this.read(ctx.nativeId!))) return { status: 'done', providerStatus: 'deleted' };
            await this.context.client.action(vlanPath(ctx.nativeId!, 'destroy'), 'vlans.destroy');
            return { status: 'done', providerStatus: 'destroy sent' };
          },
        },
        {
          name: 'wait-deleted',
          run: async (ctx) =>
            (await this.read(ctx.nativeId!))
              ? { status: 'wait', delayMs: pollDelay(ctx.polls, this.context.backoff) }
              : { status: 'done', providerStatus: 'deleted' },
        },
      ],
      deadlineSeconds: DEADLINE_S,
      reconcile: async (ctx) => !(await this.read(ctx.nativeId!)),
    };
  }
}
