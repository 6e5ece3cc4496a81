import { NotFoundError, ProviderAuthError } from '../../../common/errors/gateway-error';
import { CoalescedReader } from '../../kit/coalesced-reader';
import { checked, idOf, validItems } from '../../kit/wire';
import type { AdapterLogger } from '../../ports/provider-adapter';
import type { SharedPolls } from '../../ports/shared-polls';
import { isIntegerId } from '../client/codec.ids';
import { eq } from '../client/codec.where';
import type { DciClient } from '../client/http.client';
import { type DciServer, IPNET, type ListAnswer, SERVER, USER } from '../client/wire';
import { ownerEmailOf } from '../model/mapper';

const IPNET_TTL_MS = 60_000;

/**
 * Reads shared by the plan files of one connection: the owner's user id, the owner's servers (one list call
 * per tick for every task polling them, in every worker process: docs/design.md#coalesced-polling), single servers, and the IPmanager networks that name the networks of
 * server addresses. The connection acts for one customer account, so "owned" means owned by `ownerEmail`
 * (docs/providers/dcimanager.md#users-and-ownership). Lists are read up to `maxListItems`; what they hold is
 * checked by their readers (`*Raw` reads, for `mapListed`/`mapOne`) or here (typed reads, for operations: 502
 * when malformed).
 */
export class DciReads {
  private owner: Promise<number> | null = null;
  private readonly polled: CoalescedReader<Map<string, unknown>>;
  private ipnetCache: { at: number; answer: ListAnswer; byCidr: Map<string, string> } | null = null;
  private ipnetLoad: Promise<ListAnswer> | null = null;

  constructor(
    private readonly client: DciClient,
    readonly ownerEmail: string,
    private readonly logger: AdapterLogger,
    private readonly maxListItems: number,
    polls: SharedPolls,
    /** The connection's poll interval: a list of the owner's servers younger than it answers every poll. */
    tickMs: number,
  ) {
    this.polled = new CoalescedReader(
      polls,
      'servers',
      tickMs,
      async () => (await this.ownedServersRaw()).items,
      (servers) => new Map(servers.map((server) => [String(idOf(server)), server])),
    );
  }

  /** Whether the server (checked or not) belongs to this connection's owner. */
  isOwned(server: DciServer | null | undefined): server is DciServer {
    return this.ownsRaw(server);
  }

  private ownsRaw(server: unknown): boolean {
    return !!server && ownerEmailOf(server) === this.ownerEmail.toLowerCase();
  }

  /** The DCImanager user id of `ownerEmail`, looked up once per process. */
  ownerId(): Promise<number> {
    this.owner ??= this.client
      .page('/dci/v3/user', { where: eq('email', this.ownerEmail), count: 2 }, 'user.list')
      .then(async ({ list }) => {
        const { valid } = await validItems(list, USER);
        const user = valid.find((u) => u.email.toLowerCase() === this.ownerEmail.toLowerCase());
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

  /** The owner's servers as DCImanager lists them (unchecked), up to `maxListItems`. */
  ownedServersRaw(): Promise<ListAnswer> {
    return this.client.listAll(
      '/dci/v3/server',
      { where: eq('owner_email', this.ownerEmail), orderby: 'id asc' },
      'server.list',
      this.maxListItems,
    );
  }

  /** One short page of the owner's servers (the probe). */
  async firstOwned(): Promise<unknown> {
    const { list } = await this.client.page(
      '/dci/v3/server',
      { where: eq('owner_email', this.ownerEmail), orderby: 'id asc', count: 1 },
      'server.list',
    );
    return list[0] ?? null;
  }

  /**
   * An owned server as the shared list shows it (for wait steps), or null; 502 when malformed. Only a list begun
   * after `since` (the step's start) answers: `NotListedYet` until there is one, which `untilListed` makes a wait.
   */
  async poll(id: string, since: number): Promise<DciServer | null> {
    const raw = (await this.polled.read(since)).get(id);
    return raw === null || raw === undefined ? null : checked(raw, SERVER);
  }

  /** Any server, owned or not (creates look at free stock); null when DCImanager has none with this id. */
  async rawServer(id: string): Promise<DciServer | null> {
    if (!isIntegerId(id)) return null;
    const raw = await this.client.find(`/dci/v3/server/${id}`, 'server.get');
    return raw ? checked(raw, SERVER) : null;
  }

  /**
   * A server of this connection's owner (unchecked), with its addresses; null for another's, free stock or
   * unknown, and for one whose owner cannot be read.
   */
  async ownedServerRaw(id: string): Promise<Record<string, unknown> | null> {
    if (!isIntegerId(id)) return null;
    const server = await this.client.find(`/dci/v3/server/${id}`, 'server.get');
    if (!server || !this.ownsRaw(server)) return null;
    // A GET by id may leave associated objects out (as VMmanager 6 does); the address list is then read apart
    // (docs/providers/dcimanager.md#lists).
    if (server.ip === undefined || server.ip === null) {
      const ips = await this.client.page(`/dci/v3/server/${id}/ip`, { count: 1000 }, 'server.ip.list');
      server.ip = ips.list;
    }
    return server;
  }

  /** A server of this connection's owner, with its addresses; null when not ours, 502 when malformed. */
  async ownedServer(id: string): Promise<DciServer | null> {
    const raw = await this.ownedServerRaw(id);
    return raw ? checked(raw, SERVER) : null;
  }

  async requireOwned(id: string): Promise<DciServer> {
    const server = await this.ownedServer(id);
    if (!server) throw new NotFoundError(`This DCImanager connection has no server '${id}'.`);
    return server;
  }

  /** The IPmanager networks (unchecked), up to `maxListItems`, kept for a minute. */
  async ipnetsRaw(): Promise<ListAnswer> {
    if (this.ipnetCache && Date.now() - this.ipnetCache.at < IPNET_TTL_MS) return this.ipnetCache.answer;
    this.ipnetLoad ??= this.client
      .listAll('/ip/v3/ipnet', { orderby: 'id asc' }, 'ipnet.list', this.maxListItems)
      .then(async (answer) => {
        // Only well-formed networks name the networks of addresses.
        const { valid } = await validItems(answer.items, IPNET);
        this.ipnetCache = {
          at: Date.now(),
          answer,
          byCidr: new Map(valid.map((n) => [n.name.toLowerCase(), String(n.id)])),
        };
        return answer;
      })
      .finally(() => {
        this.ipnetLoad = null;
      });
    return this.ipnetLoad;
  }

  /** Loads the networks so that `networkIdOf` can answer; a failure only leaves network ids out. */
  async prepareNetworks(): Promise<void> {
    try {
      await this.ipnetsRaw();
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
