import { ValidationError } from '../../../common/errors/gateway-error';
import { ResourceType } from '../../../domain/states';
import { type Listed, mapListed, mapOne } from '../../kit/wire';
import { hasMarker, markedName } from '../../ports/markers';
import type { NativeNetwork } from '../../ports/native';
import type { OperationPlan, OperationStep } from '../../ports/operation-plan';
import type { OperationRequest } from '../../ports/operations';
import type { NetworkReader } from '../../ports/ports';
import { type CmNetwork, NETWORK, NETWORK_ACL, NETWORK_OFFERING } from '../client/wire';
import type { NetworkCreateOptions } from '../cloudmc.options';
import { toNetwork } from '../model/mapper';
import { callStep } from './call.steps';
import { ipv4GatewayAndNetmask } from './cidr';
import type { CloudmcContext } from './context';
import { adoptCreated, stateIs } from './reads';
import { waitListed, waitTaskStep } from './wait.steps';

// Networks = CloudMC networks: an isolated network, or a VPC tier when `providerOptions.vpcId` is given
// (docs/providers/cloudmc.md#networks-and-vpcs).

const ENTITY = 'networks';
const DEADLINE_S = 600;

export class CloudmcNetworkReader implements NetworkReader {
  constructor(private readonly context: CloudmcContext) {}

  async list(): Promise<Listed<NativeNetwork>> {
    return mapListed(await this.context.client.list(ENTITY), NETWORK, (n) => toNetwork(this.context.map, n), {
      maxItems: this.context.maxListItems,
    });
  }

  async get(nativeId: string): Promise<NativeNetwork | null> {
    const network = await this.context.client.get(ENTITY, nativeId);
    return network === null ? null : mapOne(network, NETWORK, (n) => toNetwork(this.context.map, n));
  }
}

/** The network operations' plans. */
export class CloudmcNetworkPlans {
  constructor(private readonly context: CloudmcContext) {}

  private get client() {
    return this.context.client;
  }

  create(request: OperationRequest<'network.create'>): OperationPlan {
    const { name, cidr } = request.input;
    const options = request.input.providerOptions as NetworkCreateOptions;
    const range = cidr ? ipv4GatewayAndNetmask(cidr) : null; // validated now: a bad range is a 400, not a failed task
    const isMine = (item: { name?: string }) => hasMarker(item.name, request.taskId);
    const prepare: OperationStep = {
      name: 'prepare',
      run: async (ctx) => {
        const body: Record<string, unknown> = {
          name: markedName(name, request.taskId),
          description: options.description ?? name,
        };
        body.networkOfferingId = options.networkOfferingId ?? (await this.offering(!!options.vpcId));
        if (options.vpcId) {
          body.vpcId = options.vpcId;
          body.networkAclId = options.networkAclId ?? (await this.firstAcl(options.vpcId));
        }
        if (range) Object.assign(body, range);
        ctx.state.body = body;
        return { status: 'done' };
      },
    };
    return {
      resourceType: ResourceType.Network,
      steps: [
        prepare,
        callStep(
          'create-network',
          async (ctx) => {
            const adopted = ctx.resumed ? await adoptCreated(this.context, ENTITY, ctx, isMine) : null;
            return adopted
              ? { taskId: null, taskStatus: null, data: { id: adopted } }
              : this.client.mutate('POST', ENTITY, { body: ctx.state.body });
          },
          { idempotent: false },
        ),
        // A new network is listed Allocated at once, while its create may still fail: only the task tells it
        // ended (docs/providers/cloudmc.md#waiting).
        waitTaskStep('wait-create-task', this.context, {
          resultId: true,
          whenForgotten: async (ctx) => (await adoptCreated(this.context, ENTITY, ctx, isMine)) ?? false,
        }),
        waitListed<CmNetwork>(this.context, {
          name: 'wait-available',
          reader: this.context.polled.networks,
          done: (network) => stateIs(network, 'Allocated', 'Implemented', 'Setup'),
          failed: (network) =>
            stateIs(network, 'Shutdown', 'Destroy') ? `The network went to ${network.state}.` : null,
          whenMissing: 'task',
          status: (network) => network.state,
        }),
      ],
      deadlineSeconds: DEADLINE_S,
      reconcile: async (ctx) => {
        const id = ctx.nativeId ?? (await adoptCreated(this.context, ENTITY, ctx, isMine));
        return !!id && !!(await this.client.getOf(ENTITY, id, NETWORK));
      },
    };
  }

  delete(_request: OperationRequest<'network.delete'>): OperationPlan {
    return {
      resourceType: ResourceType.Network,
      steps: [
        callStep('delete', async (ctx) =>
          (await this.client.getOf(ENTITY, ctx.nativeId!, NETWORK))
            ? this.client.mutate('DELETE', ENTITY, { id: ctx.nativeId! })
            : null,
        ),
        // Gone from the list ends it; not yet Destroy, only the task tells whether it runs or failed.
        waitListed<CmNetwork>(this.context, {
          name: 'wait-deleted',
          reader: this.context.polled.networks,
          done: () => false,
          unchanged: (network) => !stateIs(network, 'Destroy', 'Shutdown'),
          whenMissing: 'done',
          status: (network) => network.state,
        }),
      ],
      deadlineSeconds: DEADLINE_S,
      reconcile: async (ctx) => !(await this.client.getOf(ENTITY, ctx.nativeId!, NETWORK)),
    };
  }

  /**
   * The enabled offering for an isolated network or a VPC tier, picked by `vpcOnly`
   * (docs/providers/cloudmc.md#network-offerings).
   */
  private async offering(tier: boolean): Promise<string> {
    const offerings = await this.client.listOf('networkofferings', NETWORK_OFFERING);
    const usable = offerings.filter(
      (o) => !!o.vpcOnly === tier && (o.state ?? 'ENABLED').toUpperCase() === 'ENABLED',
    );
    if (!usable.length) {
      throw new ValidationError(
        `This CloudMC environment offers no ${tier ? 'VPC tier' : 'isolated network'} offering.`,
        [{ field: 'providerOptions.networkOfferingId', message: 'no automatic choice exists; give one' }],
      );
    }
    return usable[0].id;
  }

  private async firstAcl(vpcId: string): Promise<string> {
    const acls = await this.client.listOf('networkacls', NETWORK_ACL, { vpc_id: vpcId });
    if (!acls.length) {
      throw new ValidationError('The VPC has no network ACL to put the tier behind.', [
        { field: 'providerOptions.networkAclId', message: 'is required for this VPC' },
      ]);
    }
    return acls[0].id;
  }
}
