import { NeedsAttentionError, NotFoundError } from '../../../common/errors/gateway-error';
import { CoalescedReader } from '../../kit/coalesced-reader';
import { idOf, type WireType } from '../../kit/wire';
import { MARKER_SUFFIX, taskMarker } from '../../ports/markers';
import type { StepContext } from '../../ports/operation-plan';
import type { SharedPolls } from '../../ports/shared-polls';
import type { CloudmcClient } from '../client/http.client';
import {
  type CmInstance,
  type CmNetwork,
  type CmPublicIp,
  type CmVolume,
  INSTANCE,
  NAMED,
  NETWORK,
  PUBLIC_IP,
  VOLUME,
} from '../client/wire';
import type { CloudmcContext } from './context';

/** Reads an instance that the operation needs to exist. */
export async function requireInstance(context: CloudmcContext, id: string): Promise<CmInstance> {
  const instance = await context.client.getOf('instances', id, INSTANCE);
  if (!instance) throw new NotFoundError(`CloudMC has no instance '${id}'.`, { retryable: false });
  return instance;
}

/**
 * Whether an entity is in one of these states, compared without case as the clients do
 * (docs/providers/cloudmc.md#instance-states).
 */
export function stateIs(instance: { state?: string | null } | null, ...states: string[]): boolean {
  const state = instance?.state?.toLowerCase();
  return !!state && states.some((s) => s.toLowerCase() === state);
}

/**
 * After a crash or a forgotten task: the entity this create made, i.e. the one that matches (by its gateway
 * marker; for public IPs, which have no name, by not being among the ids seen before, in step state `before`).
 * Several matches cannot be told apart: the task then needs a person rather than a guess
 * (docs/providers/cloudmc.md#creates-after-a-crash).
 */
export async function adoptCreated(
  context: CloudmcContext,
  entity: string,
  ctx: StepContext,
  match: (item: { id: string; name?: string }) => boolean,
  filters: Record<string, string | undefined> = {},
): Promise<string | null> {
  const before = (ctx.state.before as string[] | undefined) ?? [];
  const items = await context.client.listOf(entity, NAMED, filters);
  const fresh = items.filter(
    (item) => match({ id: item.id, name: item.name ?? undefined }) && !before.includes(item.id),
  );
  if (fresh.length > 1) {
    throw new NeedsAttentionError(
      `Several new CloudMC ${entity} match this create; the gateway cannot tell which one this task made.`,
    );
  }
  return fresh[0]?.id ?? null;
}

/**
 * An item of a polled list that the gateway cannot read (it failed its wire checks). A wait treats it as an unknown
 * state: it keeps waiting, showing why, and the task's deadline decides if it never clears up.
 */
export class Unreadable {
  constructor(readonly reason: string) {}

  /** What a waiting task shows as the backend's status. */
  get providerStatus(): string {
    const status = `unreadable: ${this.reason}`;
    return status.length > 200 ? `${status.slice(0, 199)}…` : status;
  }
}

interface Listing<T> {
  byId: Map<string, T | Unreadable>;
  /** By the gateway marker in the name (`-gw` + 10 characters): how a create finds what it made. */
  byMarker: Map<string, Array<T | Unreadable>>;
  /** Items without a usable id: an id missing from the list may be one of them. */
  nameless: number;
}

function listingOf<T>(items: readonly unknown[], type: WireType<T>): Listing<T> {
  const listing: Listing<T> = { byId: new Map(), byMarker: new Map(), nameless: 0 };
  for (const raw of items) {
    const id = idOf(raw);
    if (!id) {
      listing.nameless++;
      continue;
    }
    const item = type.is(raw) ? raw : new Unreadable(`not a ${type.name}: ${type.explain(raw)}`);
    listing.byId.set(id, item);
    const name = (raw as { name?: unknown }).name;
    const marker = typeof name === 'string' ? MARKER_SUFFIX.exec(name)?.[1] : undefined;
    if (marker) listing.byMarker.set(`gw${marker}`, [...(listing.byMarker.get(`gw${marker}`) ?? []), item]);
  }
  return listing;
}

/**
 * The polls of one CloudMC entity type by every task in flight on a connection, answered by one list call per tick
 * for the whole gateway (docs/design.md#coalesced-polling; CloudMC does not page lists, so a list is one call). An
 * item that fails its checks is `Unreadable`, never missing: a wait must not take a malformed item for a deleted
 * one; for the same reason, while the answer holds items without a usable id, an id it lacks is unreadable too.
 */
export class PolledEntities<T> {
  private readonly lists: CoalescedReader<Listing<T>>;

  constructor(polls: SharedPolls, client: CloudmcClient, entity: string, tickMs: number, type: WireType<T>) {
    this.lists = new CoalescedReader(
      polls,
      entity,
      tickMs,
      () => client.list(entity),
      (items) => listingOf(items, type),
    );
  }

  /**
   * The item, `Unreadable`, or null when CloudMC no longer lists it, as a list begun after `since` (the step's
   * start) shows it: `NotListedYet` until there is one, which `untilListed` turns into a wait.
   */
  async get(id: string, since: number): Promise<T | Unreadable | null> {
    const listing = await this.lists.read(since);
    return listing.byId.get(id) ?? this.absent(listing);
  }

  /**
   * The item a create of this task made, found by the marker in its name; null when none is listed. Two cannot be
   * told apart: the task then needs a person (docs/providers/cloudmc.md#creates-after-a-crash).
   */
  async marked(taskId: string, since: number): Promise<T | Unreadable | null> {
    const listing = await this.lists.read(since);
    const found = listing.byMarker.get(taskMarker(taskId)) ?? [];
    if (found.length > 1) {
      throw new NeedsAttentionError(
        'Several CloudMC resources carry the marker of this create; the gateway cannot tell which one it made.',
      );
    }
    return found[0] ?? this.absent(listing);
  }

  private absent(listing: Listing<T>): Unreadable | null {
    return listing.nameless
      ? new Unreadable(`the answer has ${listing.nameless} item(s) without a usable id`)
      : null;
  }
}

/** The entity types CloudMC waits poll, one shared list each per connection. */
export class CloudmcPolls {
  readonly instances: PolledEntities<CmInstance>;
  readonly volumes: PolledEntities<CmVolume>;
  readonly networks: PolledEntities<CmNetwork>;
  readonly publicIps: PolledEntities<CmPublicIp>;

  /** `tickMs`: the connection's poll interval; a list younger than it answers every poll. */
  constructor(client: CloudmcClient, polls: SharedPolls, tickMs: number) {
    this.instances = new PolledEntities(polls, client, 'instances', tickMs, INSTANCE);
    this.volumes = new PolledEntities(polls, client, 'volumes', tickMs, VOLUME);
    this.networks = new PolledEntities(polls, client, 'networks', tickMs, NETWORK);
    this.publicIps = new PolledEntities(polls, client, 'publicipaddresses', tickMs, PUBLIC_IP);
  }
}
