import { NotFoundError, ProviderAuthError } from '../../common/errors/gateway-error';
import { CoalescedReader } from '../ports/coalesced-reader';
import type { AdapterLogger } from '../ports/provider-adapter';
import type { DciClient } from './dcimanager-http.client';
import { isIntegerId } from './dcimanager-ids.codec';
import { ownerEmailOf } from './dcimanager.mapper';
import { eq } from './dcimanager-where.codec';
import type { DciIp, DciIpnet, DciServer, DciUser } from './dcimanager.types';

const IPNET_TTL_MS = 60_000;

/**
 * Reads shared by the resource services of one connection: the owner's user id, the owner's servers (one
 * list call per tick for every task polling them), single servers, and the IPmanager networks that name the
 * networks of server addresses.
 */
export class DciLookups {
  private owner: Promise<number> | null = null;
  private readonly polls: CoalescedReader<DciServer>;
  private ipnetCache: { at: number; nets: DciIpnet[]; byCidr: Map<string, string> } | null = null;
  private ipnetLoad: Promise<DciIpnet[]> | null = null;

  constructor(
    private readonly client: DciClient,
    readonly ownerEmail: string,
    private readonly logger: AdapterLogger,
  ) {
    this.polls = new CoalescedReader(
      () => this.ownedServers(),
      (server) => String(server.id),
    );
  }

  isOwned(server: DciServer | null | undefined): server is DciServer {
    return !!server && ownerEmailOf(server) === this.ownerEmail.toLowerCase();
  }

  /** The DCImanager user id of `ownerEmail`, looked up once per process. */
  ownerId(): Promise<number> {
    this.owner ??= this.client
      .page<DciUser>('/dci/v3/user', { where: eq('email', this.ownerEmail), count: 2 }, 'user.list')
      .then(({ list }) => {
        const user = list.find((u) => u.email.toLowerCase() === this.ownerEmail.toLowerCase());
        if (!user) {
          throw new ProviderAuthError(
            `DCImanager has no user '${this.ownerEmail}' (ownerEmail of this connection).`,
          );
        }
        return user.id;
      })
      .catch((error: unknown) => {
        this.owner = null;
        throw error;
      });
    return this.owner;
  }

  ownedServers(): Promise<DciServer[]> {
    return this.client.listAll<DciServer>(
      '/dci/v3/server',
      { where: eq('owner_email', this.ownerEmail), orderby: 'id asc' },
      'server.list',
    );
  }

  async firstOwned(): Promise<DciServer | null> {
    const { list } = await this.client.page<DciServer>(
      '/dci/v3/server',
      { where: eq('owner_email', this.ownerEmail), orderby: 'id asc', count: 1 },
      'server.list',
    );
    return list[0] ?? null;
  }

  /** An owned server as the next coalesced list shows it (for wait steps), or null. */
  poll(id: string): Promise<DciServer | null> {
    return this.polls.get(id);
  }

  /** Any server, owned or not (creates look at free stock); null when DCImanager has none with this id. */
  async rawServer(id: string): Promise<DciServer | null> {
    if (!isIntegerId(id)) return null;
    return this.client.find<DciServer>(`/dci/v3/server/${id}`, 'server.get');
  }

  /** A server of this connection's owner, with its addresses; null for another's, free stock or unknown. */
  async ownedServer(id: string): Promise<DciServer | null> {
    const server = await this.rawServer(id);
    if (!this.isOwned(server)) return null;
    // A GET by id may leave associated objects out (as VM6 does); the address list is then read apart.
    if (!Array.isArray(server.ip)) {
      const ips = await this.client.page<DciIp>(`/dci/v3/server/${id}/ip`, { count: 1000 }, 'server.ip.list');
      server.ip = ips.list;
    }
    return server;
  }

  async requireOwned(id: string): Promise<DciServer> {
    const server = await this.ownedServer(id);
    if (!server) throw new NotFoundError(`This DCImanager connection has no server '${id}'.`);
    return server;
  }

  async ipnets(): Promise<DciIpnet[]> {
    if (this.ipnetCache && Date.now() - this.ipnetCache.at < IPNET_TTL_MS) return this.ipnetCache.nets;
    this.ipnetLoad ??= this.client
      .listAll<DciIpnet>('/ip/v3/ipnet', { orderby: 'id asc' }, 'ipnet.list')
      .then((nets) => {
        this.ipnetCache = {
          at: Date.now(),
          nets,
          byCidr: new Map(nets.map((n) => [n.name.toLowerCase(), String(n.id)])),
        };
        return nets;
      })
      .finally(() => {
        this.ipnetLoad = null;
      });
    return this.ipnetLoad;
  }

  /** Loads the networks so that `networkIdOf` can answer; a failure only leaves network ids out. */
  async prepareNetworks(): Promise<void> {
    try {
      await this.ipnets();
    } catch (error) {
      this.logger.debug('IPmanager networks unavailable; server network ids left out', {
        error: (error as Error).message,
      });
    }
  }

  networkIdOf(cidr: string): string | null {
    return this.ipnetCache?.byCidr.get(cidr.toLowerCase()) ?? null;
  }
}
