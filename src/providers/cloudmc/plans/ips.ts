import { ConflictError, NotFoundError, ValidationError } from '../../../common/errors/gateway-error';
import { ResourceType } from '../../../domain/states';
import { type Listed, mapListed, mapOne } from '../../kit/wire';
import type { NativeIpAddress } from '../../ports/native';
import type { OperationPlan, OperationStep, StepContext } from '../../ports/operation-plan';
import type { OperationRequest } from '../../ports/operations';
import type { IpReader } from '../../ports/ports';
import { type CmPublicIp, PUBLIC_IP, VPC } from '../client/wire';
import type { IpAllocateOptions } from '../cloudmc.options';
import { hasPurpose, isSourceNat, toIpAddress } from '../model/mapper';
import { callStep } from './call.steps';
import type { CloudmcContext } from './context';
import { adoptCreated, requireInstance, stateIs } from './reads';
import { waitListed, waitTaskStep } from './wait.steps';

// IP addresses = CloudMC public IPs. They belong to a VPC; "attach to a server" is static NAT to the server's
// primary private IP (docs/providers/cloudmc.md#public-ip-model). The VPC's source-NAT address is listed but never
// released or attached (docs/providers/cloudmc.md#source-nat).

const ENTITY = 'publicipaddresses';
const DEADLINE_S = 600;

const natTo = (ip: CmPublicIp | null) =>
  ip && hasPurpose(ip, 'STATIC_NAT') ? (ip.instances?.[0]?.id ?? null) : null;

export class CloudmcIpReader implements IpReader {
  constructor(private readonly context: CloudmcContext) {}

  async list(): Promise<Listed<NativeIpAddress>> {
    return mapListed(
      await this.context.client.list(ENTITY),
      PUBLIC_IP,
      (ip) => toIpAddress(this.context.map, ip),
      { maxItems: this.context.maxListItems },
    );
  }

  async get(nativeId: string): Promise<NativeIpAddress | null> {
    const ip = await this.context.client.get(ENTITY, nativeId);
    return ip === null ? null : mapOne(ip, PUBLIC_IP, (raw) => toIpAddress(this.context.map, raw));
  }
}

/** The public IP operations' plans. */
export class CloudmcIpPlans {
  constructor(private readonly context: CloudmcContext) {}

  private get client() {
    return this.context.client;
  }

  allocate(request: OperationRequest<'ip.allocate'>): OperationPlan {
    const { serverId } = request.input;
    const options = request.input.providerOptions as IpAllocateOptions;
    const prepare: OperationStep = {
      name: 'prepare',
      run: async (ctx) => {
        const vpcId =
          options.vpcId ??
          (serverId ? (await requireInstance(this.context, serverId)).vpcId : undefined) ??
          (await this.firstVpc());
        ctx.state.vpcId = vpcId;
        ctx.state.before = (await this.client.listOf(ENTITY, PUBLIC_IP, { vpc_id: vpcId })).map(
          (ip) => ip.id,
        );
        return { status: 'done' };
      },
    };
    // Any address of the VPC that was not there before the call is the one this task acquired.
    const adopt = (ctx: StepContext) =>
      adoptCreated(this.context, ENTITY, ctx, () => true, { vpc_id: ctx.state.vpcId as string });
    const steps: OperationStep[] = [
      prepare,
      callStep(
        'acquire',
        async (ctx) => {
          const adopted = ctx.resumed ? await adopt(ctx) : null;
          return adopted
            ? { taskId: null, taskStatus: null, data: { id: adopted } }
            : this.client.mutate('POST', ENTITY, { body: { vpcId: ctx.state.vpcId } });
        },
        { idempotent: false },
      ),
      // A public IP has no name to carry a marker, and a VPC's new addresses cannot be told apart while several
      // acquires run: only the task's result names this one, so the acquire polls its task
      // (docs/providers/cloudmc.md#waiting).
      waitTaskStep('wait-acquire-task', this.context, {
        resultId: true,
        whenForgotten: async (ctx) => (await adopt(ctx)) ?? false,
      }),
    ];
    if (serverId) steps.push(...this.natSteps(serverId));
    else steps.push(this.waitIp('wait-allocated', { done: (ip) => ip.state?.toLowerCase() === 'allocated' }));
    return {
      resourceType: ResourceType.Ip,
      steps,
      deadlineSeconds: DEADLINE_S,
      reconcile: async (ctx) => {
        const ip = ctx.nativeId ? await this.client.getOf(ENTITY, ctx.nativeId, PUBLIC_IP) : null;
        return !!ip && (!serverId || natTo(ip) === serverId);
      },
    };
  }

  release(_request: OperationRequest<'ip.release'>): OperationPlan {
    return {
      resourceType: ResourceType.Ip,
      steps: [
        callStep('release', async (ctx) => {
          const ip = await this.client.getOf(ENTITY, ctx.nativeId!, PUBLIC_IP);
          if (!ip) return null;
          // Second guard: the model's allowed actions refuse this before any call (extra.sourceNat).
          if (isSourceNat(ip))
            throw new ConflictError("This is the VPC's source-NAT address; it goes with the VPC.");
          return this.client.mutate('DELETE', ENTITY, { id: ctx.nativeId! });
        }),
        this.waitIp('wait-released', {
          done: () => false,
          unchanged: (ip) => !stateIs(ip, 'Releasing', 'Free'),
          whenMissing: 'done',
        }),
      ],
      deadlineSeconds: DEADLINE_S,
      reconcile: async (ctx) => !(await this.client.getOf(ENTITY, ctx.nativeId!, PUBLIC_IP)),
    };
  }

  attach(request: OperationRequest<'ip.attach'>): OperationPlan {
    return {
      resourceType: ResourceType.Ip,
      steps: this.natSteps(request.input.serverId),
      deadlineSeconds: DEADLINE_S,
      reconcile: async (ctx) =>
        natTo(await this.client.getOf(ENTITY, ctx.nativeId!, PUBLIC_IP)) === request.input.serverId,
    };
  }

  detach(_request: OperationRequest<'ip.detach'>): OperationPlan {
    return {
      resourceType: ResourceType.Ip,
      steps: [
        callStep('disable-static-nat', async (ctx) => {
          const ip = await this.requireIp(ctx.nativeId!);
          return natTo(ip)
            ? this.client.mutate('POST', ENTITY, { id: ctx.nativeId!, operation: 'disableStaticNat' })
            : null;
        }),
        this.waitIp('wait-detached', { done: (ip) => !natTo(ip), unchanged: (ip) => !!natTo(ip) }),
      ],
      deadlineSeconds: DEADLINE_S,
      reconcile: async (ctx) => !natTo(await this.client.getOf(ENTITY, ctx.nativeId!, PUBLIC_IP)),
    };
  }

  private natSteps(serverId: string): OperationStep[] {
    return [
      callStep('enable-static-nat', async (ctx) => {
        const ip = await this.requireIp(ctx.nativeId!);
        if (natTo(ip) === serverId) return null;
        if (natTo(ip)) throw new ConflictError('The address is attached to another server; detach it first.');
        if (isSourceNat(ip))
          throw new ConflictError("The VPC's source-NAT address cannot be attached to a server.");
        const instance = await requireInstance(this.context, serverId);
        const privateIpId = instance.ipAddressId;
        if (!privateIpId)
          throw new ValidationError(
            'CloudMC did not report the private IP id of this server; static NAT needs it.',
          );
        return this.client.mutate('POST', ENTITY, {
          id: ctx.nativeId!,
          operation: 'enableStaticNat',
          body: { privateIpId },
        });
      }),
      this.waitIp('wait-attached', { done: (ip) => natTo(ip) === serverId, unchanged: (ip) => !natTo(ip) }),
    ];
  }

  /**
   * A wait on the shared public-IP list (docs/providers/cloudmc.md#waiting): `done` ends it; `unchanged` (static
   * NAT still as before the call, which shows only at the end) asks the task.
   */
  private waitIp(
    name: string,
    options: {
      done: (ip: CmPublicIp) => boolean;
      unchanged?: (ip: CmPublicIp) => boolean;
      whenMissing?: 'done' | 'task';
    },
  ): OperationStep {
    return waitListed<CmPublicIp>(this.context, {
      name,
      reader: this.context.polled.publicIps,
      done: options.done,
      unchanged: options.unchanged,
      whenMissing: options.whenMissing ?? 'task',
      status: (ip) => ip.state,
    });
  }

  private async requireIp(id: string): Promise<CmPublicIp> {
    const ip = await this.client.getOf(ENTITY, id, PUBLIC_IP);
    if (!ip) throw new NotFoundError(`CloudMC has no public IP '${id}'.`);
    return ip;
  }

  private async firstVpc(): Promise<string> {
    const vpcs = await this.client.listOf('vpcs', VPC);
    if (!vpcs.length) {
      throw new ValidationError('CloudMC public IPs belong to a VPC and this environment has none.', [
        { field: 'providerOptions.vpcId', message: 'no VPC exists' },
      ]);
    }
    return vpcs[0].id;
  }
}
