import {
  GatewayError,
  NeedsAttentionError,
  NotFoundError,
  ProviderError,
  ValidationError,
} from '../../../common/errors/gateway-error';
import { IpState, ResourceType } from '../../../domain/states';
import { type Listed, idOf, mapListed, mapOne, validItems } from '../../kit/wire';
import { untilListed } from '../../kit/coalesced-reader';
import { pollDelay } from '../../kit/polling';
import type { NativeIpAddress } from '../../ports/native';
import type { OperationPlan, OperationStep, StepContext, StepOutcome } from '../../ports/operation-plan';
import type { OperationRequest } from '../../ports/operations';
import type { IpReader } from '../../ports/ports';
import { ipIdOf, isIntegerId, parseIpId } from '../client/codec.ids';
import {
  type DciAck,
  type DciIp,
  type DciServer,
  SERVER_ADDRESS,
  SERVER_ADDRESSES,
  beyondLimit,
} from '../client/wire';
import type { IpAllocateOptions } from '../dcimanager.options';
import { toIpAddress } from '../model/mapper';
import type { DcimanagerContext } from './context';
import { countRead, taskRef } from './wait.steps';

const DEADLINE_S = 5 * 60;

/**
 * IP addresses = the addresses on the owner's servers (docs/providers/dcimanager.md#addresses-on-servers).
 * DCImanager has no address outside a server, so allocation needs `serverId`, and attach/detach (moving a
 * floating address) do not exist.
 */
export class DcimanagerIps implements IpReader {
  constructor(private readonly context: DcimanagerContext) {}

  private get reads() {
    return this.context.reads;
  }

  /**
   * The addresses on the owner's servers, each checked on its own: a malformed address is left out with its
   * reason, the server's other addresses are listed.
   */
  async list(): Promise<Listed<NativeIpAddress>> {
    const max = this.context.maxListItems;
    const [answer] = await Promise.all([this.reads.ownedServersRaw(), this.reads.prepareNetworks()]);
    const { valid, skipped } = await validItems(answer.items, SERVER_ADDRESSES);
    const addresses = valid.flatMap((server) => (server.ip ?? []).map((ip) => ({ server, ip })));
    const listed = await mapListed(
      addresses,
      SERVER_ADDRESS,
      ({ server, ip }) => toIpAddress(this.context.map, server, ip),
      { maxItems: max },
      (raw) => {
        const { server, ip } = raw as { server?: unknown; ip?: unknown };
        const [serverId, ipId] = [idOf(server), idOf(ip)];
        return serverId === null || ipId === null ? null : ipIdOf(serverId, ipId);
      },
    );
    return {
      items: listed.items,
      skipped: [...skipped, ...listed.skipped, ...beyondLimit(answer, max, 'servers of this owner')],
    };
  }

  async get(nativeId: string): Promise<NativeIpAddress | null> {
    const parsed = parseIpId(nativeId);
    if (!parsed) return null;
    const [server] = await Promise.all([
      this.reads.ownedServerRaw(parsed.serverId),
      this.reads.prepareNetworks(),
    ]);
    const entries: unknown[] = Array.isArray(server?.ip) ? (server.ip as unknown[]) : [];
    const ip = entries.find((i) => idOf(i) === parsed.ipId);
    if (!server || ip === undefined) return null;
    return mapOne({ server, ip }, SERVER_ADDRESS, (raw) => toIpAddress(this.context.map, raw.server, raw.ip));
  }

  allocate(request: OperationRequest<'ip.allocate'>): OperationPlan {
    const { serverId } = request.input;
    const options = request.input.providerOptions as IpAllocateOptions;
    if (!serverId || !isIntegerId(serverId)) {
      throw new ValidationError('DCImanager addresses always belong to a server: give serverId.', [
        { field: 'serverId', message: 'is required on DCImanager' },
      ]);
    }
    const family = options.family ?? (options.address?.includes(':') ? 'ipv6' : 'ipv4');
    if (options.address && options.address.includes(':') !== (family === 'ipv6')) {
      throw new ValidationError(`The address is not an ${family} address.`, [
        { field: 'providerOptions.address', message: `does not match family ${family}` },
      ]);
    }
    const matches = (ip: DciIp) =>
      (!options.address || ip.name === options.address) &&
      (ip.family ? ip.family.toLowerCase() === family : ip.name.includes(':') === (family === 'ipv6'));
    const fresh = (raw: DciServer, ctx: StepContext) => {
      const before = (ctx.state.before as number[] | undefined) ?? [];
      return (raw.ip ?? []).filter((ip) => !before.includes(ip.id) && matches(ip));
    };
    const body = {
      family,
      ...(options.address ? { ip_name: options.address } : {}),
      ...(options.ipPoolId ? { ip_pool: options.ipPoolId } : {}),
      ...(options.ipNetId ? { ip_net: options.ipNetId } : {}),
      ...(options.domain ? { domain: options.domain } : {}),
      ...(options.setAsMain !== undefined ? { set_as_main_ipv4: options.setAsMain } : {}),
    };
    const steps: OperationStep[] = [
      {
        name: 'prepare',
        run: async (ctx) => {
          const raw = await this.reads.requireOwned(serverId);
          ctx.state.before = (raw.ip ?? []).map((ip) => ip.id);
          return { status: 'done' };
        },
      },
      {
        name: 'allocate',
        idempotent: false,
        run: async (ctx): Promise<StepOutcome> => {
          if (ctx.resumed) {
            const found = fresh(await this.reads.requireOwned(serverId), ctx);
            if (found.length > 1)
              throw new NeedsAttentionError(
                'Several new addresses appeared on the server; the gateway cannot tell which one this task allocated.',
              );
            if (found.length === 1) {
              ctx.state.ipId = found[0].id;
              return { status: 'done', nativeId: ipIdOf(serverId, found[0].id), providerStatus: 'adopted' };
            }
          }
          const ack: DciAck = await this.context.client.mutate(
            'POST',
            `/dci/v3/server/${serverId}/ip`,
            'server.ip.allocate',
            body,
          );
          ctx.state.ack = ack.id ?? null;
          return { status: 'done', providerStatus: 'allocating', providerRef: taskRef(ack) };
        },
      },
      untilListed({
        name: 'wait-allocated',
        run: async (ctx) => this.waitAllocated(ctx, serverId, fresh),
      }),
    ];
    return {
      resourceType: ResourceType.Ip,
      steps,
      deadlineSeconds: DEADLINE_S,
      reconcile: async (ctx) => {
        const ip = ctx.nativeId ? await this.get(ctx.nativeId) : null;
        return ip?.state === IpState.Attached;
      },
    };
  }

  release(_request: OperationRequest<'ip.release'>): OperationPlan {
    return {
      resourceType: ResourceType.Ip,
      steps: [
        {
          name: 'release',
          run: async (ctx) => {
            const { serverId, ipId } = this.parse(ctx.nativeId!);
            const ip = (await this.reads.ownedServer(serverId))?.ip?.find((i) => String(i.id) === ipId);
            if (!ip || ip.status === 'deleting')
              return { status: 'done', providerStatus: ip?.status ?? 'gone' };
            const path = `/dci/v3/server/${serverId}/ip/${ipId}`;
            try {
              // The docs release with POST; a build that wants DELETE answers 405
              // (docs/providers/dcimanager.md#addresses-on-servers).
              const ack = await this.context.client.mutate('POST', path, 'server.ip.release');
              return { status: 'done', providerStatus: 'deleting', providerRef: taskRef(ack) };
            } catch (error) {
              if (
                !(error instanceof GatewayError) ||
                (error.upstream?.status !== 405 && !(error instanceof NotFoundError))
              )
                throw error;
            }
            try {
              const ack = await this.context.client.mutate('DELETE', path, 'server.ip.release');
              return { status: 'done', providerStatus: 'deleting', providerRef: taskRef(ack) };
            } catch (error) {
              if (error instanceof NotFoundError) return { status: 'done', providerStatus: 'gone' };
              throw error;
            }
          },
        },
        untilListed({
          name: 'wait-released',
          run: async (ctx) => {
            const { serverId, ipId } = this.parse(ctx.nativeId!);
            const server = await this.reads.poll(serverId, ctx.stepStartedAt);
            const ip = server?.ip?.find((i) => String(i.id) === ipId);
            if (!ip) return { status: 'done', providerStatus: 'released' };
            if (/fail/i.test(ip.status ?? ''))
              throw new ProviderError(`DCImanager could not release the address (status ${ip.status}).`, {
                retryable: false,
              });
            return {
              status: 'wait',
              delayMs: pollDelay(ctx.polls, this.context.backoff),
              providerStatus: ip.status ?? undefined,
            };
          },
        }),
      ],
      deadlineSeconds: DEADLINE_S,
      reconcile: async (ctx) => !(await this.get(ctx.nativeId!)),
    };
  }

  private parse(nativeId: string): { serverId: string; ipId: string } {
    const parsed = parseIpId(nativeId);
    if (!parsed) throw new NotFoundError(`'${nativeId}' is not a DCImanager address id.`);
    return parsed;
  }

  /** Finds the new address (by the id DCImanager answered, else as the one new address) and waits for `ok`. */
  private async waitAllocated(
    ctx: StepContext,
    serverId: string,
    fresh: (raw: DciServer, ctx: StepContext) => DciIp[],
  ): Promise<StepOutcome> {
    const delayMs = pollDelay(ctx.polls, this.context.backoff);
    const server = await this.reads.poll(serverId, ctx.stepStartedAt);
    if (!server)
      throw new ProviderError('The server left this connection while an address was allocated.', {
        retryable: false,
      });
    let ipId = ctx.state.ipId as number | undefined;
    if (ipId === undefined) {
      const found = fresh(server, ctx);
      const byAck = found.find((ip) => String(ip.id) === String(ctx.state.ack));
      if (!byAck && found.length > 1)
        throw new NeedsAttentionError(
          'Several new addresses appeared on the server; the gateway cannot tell which one this task allocated.',
        );
      const ip = byAck ?? found[0];
      if (!ip) {
        if (countRead(ctx, 'allocateReads') <= 5)
          return { status: 'wait', delayMs, providerStatus: 'allocating' };
        throw new ProviderError(
          'DCImanager accepted the allocation but no new address appeared on the server.',
          { retryable: false },
        );
      }
      ipId = ip.id;
      ctx.state.ipId = ipId;
    }
    const ip = server.ip?.find((i) => i.id === ipId);
    const nativeId = ipIdOf(serverId, ipId);
    if (!ip) throw new ProviderError('The new address disappeared from the server.', { retryable: false });
    const status = (ip.status ?? 'ok').toLowerCase();
    if (/fail/.test(status))
      throw new ProviderError(`DCImanager could not allocate the address (status ${status}).`, {
        retryable: false,
      });
    if (status !== 'ok') return { status: 'wait', delayMs, nativeId, providerStatus: status };
    await this.reads.prepareNetworks();
    return {
      status: 'done',
      nativeId,
      providerStatus: status,
      resource: toIpAddress(this.context.map, server, ip),
    };
  }
}
