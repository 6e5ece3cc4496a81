import { ProviderError, ValidationError } from '../../../common/errors/gateway-error';
import { ResourceType } from '../../../domain/states';
import { pollDelay } from '../../kit/polling';
import { type Listed, mapListed, mapOne, ofType } from '../../kit/wire';
import { markedName, taskMarker } from '../../ports/markers';
import type { NativeNetwork } from '../../ports/native';
import type { OperationPlan } from '../../ports/operation-plan';
import type { OperationRequest } from '../../ports/operations';
import type { NetworkReader } from '../../ports/ports';
import { CloudsigmaVlan } from '../client/wire';
import { toNetwork } from '../model/mapper';
import type { CloudsigmaContext } from './context';
import { findMarked, vlanPath } from './reads';

const DEADLINE_S = 300;

/** Every VLAN object as sent (the list checks each one). */
const fetchVlans = (context: CloudsigmaContext) =>
  context.client.objects('/resources/vlan/info', 'resource', 'vlans.list');

/** One VLAN as sent, or null when it does not exist. */
const fetchVlan = (context: CloudsigmaContext, id: string) =>
  context.client.object(vlanPath(id, 'info'), 'resource', 'vlans.get');

/** Networks = VLANs (`/resources/vlan/`): a name and a UUID, no address range (docs/providers/cloudsigma.md#vlans). */
export class CloudsigmaNetworkReader implements NetworkReader {
  constructor(private readonly context: CloudsigmaContext) {}

  async list(): Promise<Listed<NativeNetwork>> {
    return mapListed(
      await fetchVlans(this.context),
      CloudsigmaVlan,
      toNetwork,
      this.context.limits,
      CloudsigmaVlan.nativeIdOf,
    );
  }

  async get(nativeId: string): Promise<NativeNetwork | null> {
    const vlan = await fetchVlan(this.context, nativeId);
    return vlan ? mapOne(vlan, CloudsigmaVlan, toNetwork) : null;
  }
}

/**
 * The VLAN operations. A VLAN has no metadata keys, so the crash-safe marker of a create is a name suffix that
 * the core strips (docs/providers/cloudsigma.md#crash-safe-creates).
 */
export class CloudsigmaNetworkPlans {
  constructor(private readonly context: CloudsigmaContext) {}

  /** The VLANs that pass their checks (for finding a created one). */
  private async all() {
    return ofType(await fetchVlans(this.context), CloudsigmaVlan);
  }

  private read(id: string) {
    return fetchVlan(this.context, id);
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
            return { status: 'done', nativeId: vlan.resource!, resource: toNetwork(vlan) };
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
