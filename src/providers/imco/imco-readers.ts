import { CoalescedReader } from '../ports/coalesced-reader';
import type { ImcoClient } from './imco-http.client';
import { seg } from './imco-http.client';
import type { ImFloatingIp, ImServer, ImServerPlan, ImVolume, ImVpc } from './imco.types';

export const PATHS = {
  servers: '/cloud/servers',
  volumes: '/storage/volumes',
  floatingIps: '/network/floating_ips',
  vpcs: '/network/vpcs',
} as const;

/**
 * One coalesced reader per IMCO collection and connection: the wait steps of every task in flight on this
 * connection read through them, so N tasks cost one list call per poll tick instead of N GETs (IMCO has no
 * paging, so a list is one call).
 */
export class ImcoReaders {
  readonly servers: CoalescedReader<ImServer>;
  readonly volumes: CoalescedReader<ImVolume>;
  readonly floatingIps: CoalescedReader<ImFloatingIp>;
  readonly vpcs: CoalescedReader<ImVpc>;

  constructor(client: ImcoClient, windowMs: number) {
    const reader = <T extends { id: string }>(path: string, operation: string) =>
      new CoalescedReader<T>(
        () => client.list<T>(path, operation),
        (item) => item.id,
        windowMs,
      );
    this.servers = reader<ImServer>(PATHS.servers, 'servers.poll');
    this.volumes = reader<ImVolume>(PATHS.volumes, 'volumes.poll');
    this.floatingIps = reader<ImFloatingIp>(PATHS.floatingIps, 'floating_ips.poll');
    this.vpcs = reader<ImVpc>(PATHS.vpcs, 'vpcs.poll');
  }
}

const PLAN_TTL_MS = 10 * 60 * 1000;

/**
 * Server plans by id, for the cores, memory and realm of servers (a server names only its plan). Plans change
 * rarely, so they are kept for minutes; a plan that cannot be read leaves those fields empty.
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
          const plan = await this.client
            .get<ImServerPlan>(`/cloud/server_plans/${seg(id)}`, 'server_plans.get')
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
