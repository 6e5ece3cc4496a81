import {
  ConflictError,
  NeedsAttentionError,
  NotFoundError,
  ProviderError,
} from '../../../common/errors/gateway-error';
import { ResourceType } from '../../../domain/states';
import { pollDelay } from '../../kit/polling';
import { type Listed, mapListed, mapOne } from '../../kit/wire';
import type { NativeIpAddress } from '../../ports/native';
import type { OperationPlan, OperationStep, StepContext, StepOutcome } from '../../ports/operation-plan';
import type { OperationRequest } from '../../ports/operations';
import type { IpReader } from '../../ports/ports';
import type { KvObject } from '../client/codec';
import { CloudsigmaStaticIp } from '../client/wire';
import { holderOf } from '../model/devices';
import { toIpAddress } from '../model/mapper';
import { attachSteps } from './attach.steps';
import type { CloudsigmaContext } from './context';
import { ipPath, listServers } from './reads';

const DEADLINE_S = 900;
/** The lease that lets one IP create at a time run between its two lists (see `allocate`). */
const IP_CREATE_LOCK = 'ip-create';
const IP_CREATE_LOCK_MS = 120_000;

const extras = (ctx: StepContext) => (ctx.state.extraAddresses as string[] | undefined) ?? [];

/** Every static IP object as sent. */
const fetchIps = (context: CloudsigmaContext) =>
  context.client.objects('/resources/ip/info', 'resource', 'ips.list');

/** One static IP as sent, or null when the account does not hold it. */
const fetchIp = (context: CloudsigmaContext, address: string) =>
  context.client.object(ipPath(address, 'info'), 'resource', 'ips.get');

/** IP addresses = static IPs (`/resources/ip/`), whose id is the address itself (docs/providers/cloudsigma.md#static-ips). */
export class CloudsigmaIpReader implements IpReader {
  constructor(private readonly context: CloudsigmaContext) {}

  /** The static IPs; a server that fails its checks holds no address here. */
  async list(): Promise<Listed<NativeIpAddress>> {
    const [ips, servers] = await Promise.all([fetchIps(this.context), listServers(this.context)]);
    return mapListed(
      ips,
      CloudsigmaStaticIp,
      (ip) => toIpAddress(ip, holderOf(ip.resource!, servers)?.serverId ?? null),
      this.context.limits,
      CloudsigmaStaticIp.nativeIdOf,
    );
  }

  async get(nativeId: string): Promise<NativeIpAddress | null> {
    const ip = await fetchIp(this.context, nativeId);
    if (!ip) return null;
    const servers = CloudsigmaStaticIp.is(ip) ? await listServers(this.context) : [];
    return mapOne(ip, CloudsigmaStaticIp, (checked) =>
      toIpAddress(checked, holderOf(checked.resource!, servers)?.serverId ?? null),
    );
  }
}

/**
 * The static IP operations. A server uses an address through `nic:0:dhcp <address>`, set while it is stopped
 * (docs/providers/cloudsigma.md#attach-and-detach); releasing it from the server puts the NIC back on `auto` (a
 * temporary address), so the server stays reachable.
 */
export class CloudsigmaIpPlans {
  constructor(private readonly context: CloudsigmaContext) {}

  private read(address: string) {
    return fetchIp(this.context, address);
  }

  private async addresses(): Promise<string[]> {
    return (await this.context.client.list('/resources/ip/list', 'ips.ids')).map((entry) => entry.value);
  }

  /**
   * The addresses held before the call are listed first, so that the create can tell its own. One IP create at
   * a time per connection (a lease from `prepare` to `release-extra-addresses`): another task's address made in
   * between would look new. A create answer may hold several new addresses (libcloud's recorded answer holds
   * two): the first is kept, the others are released by the next step
   * (docs/providers/cloudsigma.md#static-ip-create-answer).
   */
  allocate(request: OperationRequest<'ip.allocate'>): OperationPlan {
    const before = (ctx: StepContext) => (ctx.state.before as string[] | undefined) ?? [];
    const steps: OperationStep[] = [
      {
        name: 'prepare',
        run: async (ctx) => {
          if (!(await this.lock(ctx))) return this.waitForLock(ctx);
          ctx.state.before = await this.addresses();
          return { status: 'done' };
        },
      },
      {
        name: 'create-ip',
        idempotent: false,
        run: async (ctx) => {
          // Taken again in case the lease lapsed (a slow or restarted worker) before the lists are compared.
          if (!(await this.lock(ctx))) return this.waitForLock(ctx);
          if (ctx.resumed) {
            const fresh = (await this.addresses()).filter((a) => !before(ctx).includes(a));
            if (fresh.length > 1)
              throw new NeedsAttentionError(
                `Several new static IPs appeared (${fresh.join(', ')}); the gateway cannot tell which ones it made.`,
              );
            if (fresh.length === 1) {
              ctx.state.extraAddresses = [];
              return { status: 'done', nativeId: fresh[0], providerStatus: 'IP found' };
            }
          }
          const answer = await this.context.client.action('/resources/ip/create', 'ips.create');
          const { keep, extra } = createdAddresses(answer, before(ctx));
          ctx.state.extraAddresses = extra;
          return {
            status: 'done',
            nativeId: keep,
            providerStatus: extra.length ? `allocated; ${extra.length} more to release` : 'allocated',
          };
        },
      },
      {
        name: 'release-extra-addresses',
        run: async (ctx) => {
          await this.context.claims.release(IP_CREATE_LOCK, ctx.taskId);
          return { status: 'done', providerStatus: await this.releaseExtra(ctx) };
        },
      },
    ];
    const { serverId } = request.input;
    if (serverId) steps.push(...this.assignSteps(serverId));
    return {
      resourceType: ResourceType.Ip,
      steps,
      deadlineSeconds: DEADLINE_S,
      // Asked only when the task ends (its deadline passed): the lease goes back either way.
      reconcile: async (ctx) => {
        await this.context.claims.release(IP_CREATE_LOCK, ctx.taskId);
        if (!ctx.nativeId || !(await this.read(ctx.nativeId))) return false;
        const servers = await listServers(this.context);
        for (const address of extras(ctx))
          if (!holderOf(address, servers) && (await this.read(address))) return false;
        return !serverId || holderOf(ctx.nativeId, servers)?.serverId === serverId;
      },
      onFailure: async (ctx) => {
        await this.context.claims.release(IP_CREATE_LOCK, ctx.taskId);
        try {
          await this.releaseExtra(ctx);
        } finally {
          // An address taken for a server it never reached is released rather than left to pay for.
          if (serverId && ctx.nativeId && !holderOf(ctx.nativeId, await listServers(this.context))) {
            if (await this.read(ctx.nativeId))
              await this.context.client.action(ipPath(ctx.nativeId, 'destroy'), 'ips.destroy');
          }
        }
      },
    };
  }

  private lock(ctx: StepContext): Promise<boolean> {
    return this.context.claims.claim(IP_CREATE_LOCK, ctx.taskId, IP_CREATE_LOCK_MS);
  }

  private waitForLock(ctx: StepContext): StepOutcome {
    return {
      status: 'wait',
      delayMs: pollDelay(ctx.polls, this.context.backoff),
      providerStatus: 'waiting for another IP create',
    };
  }

  /**
   * Destroys the extra addresses of a create, looking first (a resumed step finds some gone already): one
   * gone counts as released; one a server took meanwhile is left to it. Answers what it did.
   */
  private async releaseExtra(ctx: StepContext): Promise<string> {
    const addresses = extras(ctx);
    if (!addresses.length) return 'nothing to release';
    const servers = await listServers(this.context);
    const released: string[] = [];
    const kept: string[] = [];
    for (const address of addresses) {
      if (!(await this.read(address))) {
        released.push(address);
        continue;
      }
      const holder = holderOf(address, servers);
      if (holder) {
        kept.push(`kept ${address} (in use by server ${holder.serverId})`);
        continue;
      }
      try {
        await this.context.client.action(ipPath(address, 'destroy'), 'ips.destroy');
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error;
        kept.push(`kept ${address} (in use)`); // taken by a server between the look and the destroy
        continue;
      }
      if (await this.read(address))
        throw new ProviderError(`CloudSigma still shows ${address} after destroying it.`);
      released.push(address);
    }
    return [released.length ? `released ${released.join(', ')}` : '', ...kept].filter(Boolean).join('; ');
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
    const steps = attachSteps(this.context, {
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
        // The public NIC goes back to a temporary address; another NIC just loses its address (an inferred
        // reading: docs/providers/cloudsigma.md#attach-and-detach).
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
    return attachSteps(this.context, {
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
}

/**
 * What an IP create answer gives: the address to keep and the other new ones, to release. The answer is one
 * object (manual), or several (libcloud's recorded answer: two), possibly every IP of the account, which is
 * unknown (docs/providers/cloudsigma.md#static-ip-create-answer); the new ones are those the account did not
 * hold before, in answer order, and the first is kept.
 */
export function createdAddresses(answer: KvObject[], before: string[]): { keep: string; extra: string[] } {
  const addresses = [...new Set(answer.map((o) => o.resource).filter((a): a is string => !!a))];
  if (!addresses.length)
    throw new ProviderError('CloudSigma answered the IP create without an address.', { retryable: false });
  const fresh = addresses.filter((a) => !before.includes(a));
  if (!fresh.length)
    throw new NeedsAttentionError(
      `CloudSigma answered the IP create with addresses the account held already (${addresses.join(', ')}).`,
    );
  return { keep: fresh[0], extra: fresh.slice(1) };
}
