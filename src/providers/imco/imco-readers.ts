import { CoalescedReader } from '../ports/coalesced-reader';
import type { WireType } from '../ports/wire';
import type { ImcoClient } from './imco-http.client';
import { seg } from './imco-http.client';
import type { ImFloatingIp, ImServer, ImServerPlan, ImVolume, ImVpc } from './imco.types';
import { ImcoFloatingIp, ImcoServer, ImcoServerPlan, ImcoVolume, ImcoVpc, usableId } from './imco.wire';

export const PATHS = {
  servers: '/cloud/servers',
  volumes: '/storage/volumes',
  floatingIps: '/network/floating_ips',
  vpcs: '/network/vpcs',
} as const;

/**
 * An item of a polled list that the gateway cannot read (it failed its wire checks). A wait step treats it as an
 * unknown state: it keeps waiting, showing why, and the task's deadline decides if it never clears up.
 */
export class Unreadable {
  constructor(readonly reason: string) {}

  /** What a waiting task shows as the backend's status. */
  get providerStatus(): string {
    const status = `unreadable: ${this.reason}`;
    return status.length > 200 ? `${status.slice(0, 199)}…` : status;
  }
}

interface Snapshot<T> {
  byId: Map<string, T | Unreadable>;
  /** Items of the answer that failed their checks and have no usable id. */
  nameless: number;
}

function snapshotOf<T extends { id: string }>(answer: unknown[], type: WireType<T>): Snapshot<T> {
  const byId = new Map<string, T | Unreadable>();
  let nameless = 0;
  for (const item of answer) {
    if (type.is(item)) {
      byId.set(item.id, item);
      continue;
    }
    const id = usableId(item);
    if (id) byId.set(id, new Unreadable(`not a ${type.name}: ${type.explain(item)}`));
    else nameless++;
  }
  return { byId, nameless };
}

const ALL = '*';

/**
 * The polls of one IMCO collection by every task in flight on a connection, answered by one list call per
 * tick (a coalesced reader underneath: IMCO has no paging, so a list is one call). An item that fails its
 * checks is `Unreadable`, never missing: a wait must not take a malformed item for a deleted one. For the same
 * reason, while the answer holds items without a usable id, an id it lacks is unreadable too.
 */
export class PolledReader<T extends { id: string }> {
  private readonly batches: CoalescedReader<Snapshot<T>>;

  constructor(listAll: () => Promise<unknown[]>, type: WireType<T>, windowMs: number) {
    this.batches = new CoalescedReader<Snapshot<T>>(
      async () => [snapshotOf(await listAll(), type)],
      () => ALL,
      windowMs,
    );
  }

  /** The item, `Unreadable` when it cannot be read, or null when IMCO no longer lists it. */
  async get(id: string): Promise<T | Unreadable | null> {
    const snapshot = await this.batches.get(ALL);
    const found = snapshot?.byId.get(id);
    if (found) return found;
    if (snapshot?.nameless)
      return new Unreadable(`the answer has ${snapshot.nameless} item(s) without a usable id`);
    return null;
  }
}

/** The polled collections of one connection: the wait steps of every task in flight read through them. */
export class ImcoReaders {
  readonly servers: PolledReader<ImServer>;
  readonly volumes: PolledReader<ImVolume>;
  readonly floatingIps: PolledReader<ImFloatingIp>;
  readonly vpcs: PolledReader<ImVpc>;

  constructor(client: ImcoClient, windowMs: number) {
    const reader = <T extends { id: string }>(path: string, operation: string, type: WireType<T>) =>
      new PolledReader<T>(() => client.list<unknown>(path, operation), type, windowMs);
    this.servers = reader<ImServer>(PATHS.servers, 'servers.poll', ImcoServer);
    this.volumes = reader<ImVolume>(PATHS.volumes, 'volumes.poll', ImcoVolume);
    this.floatingIps = reader<ImFloatingIp>(PATHS.floatingIps, 'floating_ips.poll', ImcoFloatingIp);
    this.vpcs = reader<ImVpc>(PATHS.vpcs, 'vpcs.poll', ImcoVpc);
  }
}

const PLAN_TTL_MS = 10 * 60 * 1000;

/**
 * Server plans by id, for the cores, memory and realm of servers (a server names only its plan). Plans change
 * rarely, so they are kept for minutes; a plan that cannot be read (or fails its checks) leaves those fields
 * empty.
 */
export class PlanCache {
  private readonly plans = new Map<string, { plan: ImServerPlan | null; at: number }>();

  constructor(private readonly client: ImcoClient) {}

  async many(ids: Array<string | null | undefined>): Promise<Map<string, ImServerPlan>> {
    const wanted = [...new Set(ids.filter((id): id is string => !!id))];
    const now = Date.now();
    await Promise.all(
      wanted
        .filter((id) => (this.plans.get(id)?.at ?? 0) + PLAN_TTL_MS < now)
        .map(async (id) => {
          // A plan that fails its checks is one that could not be read.
          const plan = await this.client
            .get<ImServerPlan>(`/cloud/server_plans/${seg(id)}`, 'server_plans.get', ImcoServerPlan)
            .catch(() => null);
          // A plan that could not be read is asked for again after half a minute, not ten.
          this.plans.set(id, { plan, at: plan ? now : now - PLAN_TTL_MS + 30_000 });
        }),
    );
    const found = new Map<string, ImServerPlan>();
    for (const id of wanted) {
      const plan = this.plans.get(id)?.plan;
      if (plan) found.set(id, plan);
    }
    return found;
  }

  /** Keeps a plan read elsewhere (catalog lists). */
  remember(plan: ImServerPlan): void {
    this.plans.set(plan.id, { plan, at: Date.now() });
  }
}
