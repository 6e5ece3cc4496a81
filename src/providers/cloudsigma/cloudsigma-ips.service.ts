import {
  ConflictError,
  NeedsAttentionError,
  NotFoundError,
  ProviderError,
} from '../../common/errors/gateway-error';
import type { IpAddress } from '../../domain/ip-address.dto';
import { ResourceType } from '../../domain/states';
import type { OperationPlan, OperationStep, StepContext } from '../ports/operation-plan';
import type { OperationRequest } from '../ports/operations';
import type { IpPort } from '../ports/ports';
import type { KvObject } from './cloudsigma.codec';
import { type CloudsigmaContext, ipPath, listServers } from './cloudsigma.context';
import { holderOf } from './cloudsigma-devices';
import { toIpAddress } from './cloudsigma.mapper';
import { reconfigureSteps } from './cloudsigma-reconfigure.steps';

const DEADLINE_S = 900;

/**
 * IP addresses = static IPs (`/resources/ip/`), whose id is the address itself. A server uses one through
 * `nic:0:dhcp <address>`, set while it is stopped (reference §7); releasing it from the server puts the NIC
 * back on `auto` (a temporary address), so the server stays reachable.
 */
export class CloudsigmaIps implements IpPort {
  constructor(private readonly context: CloudsigmaContext) {}

  private all() {
    return this.context.client.objects('/resources/ip/info', 'resource', 'ips.list');
  }

  private read(address: string) {
    return this.context.client.object(ipPath(address, 'info'), 'resource', 'ips.get');
  }

  private async addresses(): Promise<string[]> {
    return (await this.context.client.list('/resources/ip/list', 'ips.ids')).map((entry) => entry.value);
  }

  async list(): Promise<IpAddress[]> {
    const [ips, servers] = await Promise.all([this.all(), listServers(this.context)]);
    return ips.map((ip) =>
      toIpAddress(this.context.map, ip, holderOf(ip.resource!, servers)?.serverId ?? null),
    );
  }

  async get(nativeId: string): Promise<IpAddress | null> {
    const ip = await this.read(nativeId);
    if (!ip) return null;
    const holder = holderOf(nativeId, await listServers(this.context));
    return toIpAddress(this.context.map, ip, holder?.serverId ?? null);
  }

  /** The addresses held before the call are kept first, so that a resumed create can tell its own. */
  allocate(request: OperationRequest<'ip.allocate'>): OperationPlan {
    const before = (ctx: StepContext) => (ctx.state.before as string[] | undefined) ?? [];
    const steps: OperationStep[] = [
      {
        name: 'prepare',
        run: async (ctx) => {
          ctx.state.before = await this.addresses();
          return { status: 'done' };
        },
      },
      {
        name: 'create-ip',
        idempotent: false,
        run: async (ctx) => {
          if (ctx.resumed) {
            const fresh = (await this.addresses()).filter((a) => !before(ctx).includes(a));
            if (fresh.length > 1)
              throw new NeedsAttentionError(
                'Several new static IPs appeared; the gateway cannot tell which one it made.',
              );
            if (fresh.length === 1) return { status: 'done', nativeId: fresh[0], providerStatus: 'IP found' };
          }
          const answer = await this.context.client.action('/resources/ip/create', 'ips.create');
          const address = this.created(answer, before(ctx));
          return { status: 'done', nativeId: address, providerStatus: 'allocated' };
        },
      },
    ];
    const { serverId } = request.input;
    if (serverId) steps.push(...this.assignSteps(serverId));
    return {
      resourceType: ResourceType.Ip,
      steps,
      deadlineSeconds: DEADLINE_S,
      reconcile: async (ctx) =>
        !!ctx.nativeId &&
        !!(await this.read(ctx.nativeId)) &&
        (!serverId || holderOf(ctx.nativeId, await listServers(this.context))?.serverId === serverId),
      // An address taken for a server it never reached is released rather than left to pay for.
      onFailure: async (ctx) => {
        if (!serverId || !ctx.nativeId || holderOf(ctx.nativeId, await listServers(this.context))) return;
        if (await this.read(ctx.nativeId))
          await this.context.client.action(ipPath(ctx.nativeId, 'destroy'), 'ips.destroy');
      },
    };
  }

  /** Refused with 409 while a server uses the address: detach it first. */
  release(_request: OperationRequest<'ip.release'>): OperationPlan {
    return {
      resourceType: ResourceType.Ip,
      steps: [
        {
          name: 'destroy-ip',
          run: async (ctx) => {
            if (!(await this.read(ctx.nativeId!))) return { status: 'done', providerStatus: 'released' };
            const holder = holderOf(ctx.nativeId!, await listServers(this.context));
            if (holder)
              throw new ConflictError(
                `The address is in use by server ${holder.serverId}; detach it first.`,
                {
                  extensions: { currentState: 'attached', expectedStates: ['available'] },
                },
              );
            await this.context.client.action(ipPath(ctx.nativeId!, 'destroy'), 'ips.destroy');
            // A destroy takes effect at once: an address still there was not destroyed, whatever the answer said.
            if (await this.read(ctx.nativeId!))
              throw new ProviderError('CloudSigma still shows the address after destroying it.');
            return { status: 'done', providerStatus: 'released' };
          },
        },
      ],
      deadlineSeconds: DEADLINE_S,
      reconcile: async (ctx) => !(await this.read(ctx.nativeId!)),
    };
  }

  attach(request: OperationRequest<'ip.attach'>): OperationPlan {
    const { serverId } = request.input;
    return {
      resourceType: ResourceType.Ip,
      steps: this.assignSteps(serverId),
      deadlineSeconds: DEADLINE_S,
      reconcile: async (ctx) =>
        holderOf(ctx.nativeId!, await listServers(this.context))?.serverId === serverId,
    };
  }

  detach(_request: OperationRequest<'ip.detach'>): OperationPlan {
    const steps = reconfigureSteps(this.context, {
      prepareName: 'prepare-detach',
      changeName: 'release-from-server',
      prepare: async (ctx) => {
        if (!(await this.read(ctx.nativeId!)))
          throw new NotFoundError(`CloudSigma has no static IP ${ctx.nativeId}.`);
        const holder = holderOf(ctx.nativeId!, await listServers(this.context));
        ctx.state.nicKey = holder?.key ?? null;
        return { serverId: holder?.serverId ?? null };
      },
      applied: (server, ctx) => holderOf(ctx.nativeId!, [server]) === null,
      change: (_server, ctx) => {
        const key = ctx.state.nicKey as string;
        // The public NIC goes back to a temporary address; another NIC just loses its address [I].
        return { [key]: key === 'nic:0:dhcp' ? 'auto' : null };
      },
    });
    return {
      resourceType: ResourceType.Ip,
      steps,
      deadlineSeconds: DEADLINE_S,
      reconcile: async (ctx) => !holderOf(ctx.nativeId!, await listServers(this.context)),
    };
  }

  private assignSteps(serverId: string): OperationStep[] {
    return reconfigureSteps(this.context, {
      prepareName: 'prepare-attach',
      changeName: 'assign-to-server',
      prepare: async (ctx) => {
        if (!(await this.read(ctx.nativeId!)))
          throw new NotFoundError(`CloudSigma has no static IP ${ctx.nativeId}.`);
        const holder = holderOf(ctx.nativeId!, await listServers(this.context));
        if (holder && holder.serverId !== serverId)
          throw new ConflictError(`The address is in use by server ${holder.serverId}; detach it first.`, {
            extensions: { currentState: 'attached', expectedStates: ['available'] },
          });
        return { serverId };
      },
      applied: (server, ctx) => server['nic:0:dhcp'] === ctx.nativeId,
      change: (server: KvObject, ctx) => ({
        'nic:0:model': server['nic:0:model'] ? undefined : 'e1000',
        'nic:0:dhcp': ctx.nativeId!,
      }),
    });
  }

  /** The new address in a create answer: one object (manual 9.7), or every IP of the account (libcloud). */
  private created(answer: KvObject[], before: string[]): string {
    const addresses = answer.map((o) => o.resource).filter((a): a is string => !!a);
    const fresh = addresses.filter((a) => !before.includes(a));
    if (fresh.length === 1) return fresh[0];
    if (addresses.length === 1) return addresses[0];
    if (!addresses.length)
      throw new ProviderError('CloudSigma answered the IP create without an address.', { retryable: false });
    throw new NeedsAttentionError('CloudSigma answered the IP create with several new addresses.');
  }
}
