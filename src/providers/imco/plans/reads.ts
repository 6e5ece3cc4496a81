import { NotFoundError, ValidationError } from '../../../common/errors/gateway-error';
import { ofType } from '../../kit/wire';
import { type ImcoClient, PATHS, seg } from '../client/http.client';
import { ImcoCloudAccount, ImcoRealm, ImcoServer, ImcoServerPlan, ImcoTemplate } from '../client/wire';
import type {
  ImCloudAccount,
  ImGenericImage,
  ImRealm,
  ImServer,
  ImServerPlan,
  ImTemplate,
} from '../client/wire.types';
import type { ImcoContext } from './context';

// The lookups several plan files share: what a create needs when the caller names none (accounts, realms, plans,
// images: docs/providers/imco.md#cloud-accounts-realms-and-plans), and the resources a step must find first.

// Lists read here leave out the items that fail their checks (client/wire.ts): a malformed realm or plan is one
// the catalog does not show and a create does not pick.

const PLAN_TTL_MS = 10 * 60 * 1000;

/**
 * Server plans by id, for the cores, memory and realm of servers (a server names only its plan). Plans change
 * rarely, so they are kept for minutes; a plan that cannot be read (or fails its checks) leaves those fields
 * empty.
 */
export class ServerPlanCache {
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

export async function cloudAccounts(ctx: ImcoContext): Promise<ImCloudAccount[]> {
  const answer = await ctx.client.list<unknown>('/settings/cloud_accounts', 'cloud_accounts.list');
  return ofType(answer, ImcoCloudAccount);
}

/** The cloud providers this user has accounts with (their realms and plans are the usable ones). */
export async function providerIds(ctx: ImcoContext): Promise<string[]> {
  const ids = (await cloudAccounts(ctx)).map((account) => account.cloud_provider_id);
  return [...new Set(ids.filter((id): id is string => !!id))];
}

export async function realmsOf(ctx: ImcoContext, providerId: string): Promise<ImRealm[]> {
  const answer = await ctx.client.list<unknown>(
    `/cloud/cloud_providers/${seg(providerId)}/realms`,
    'realms.list',
  );
  return ofType(answer, ImcoRealm).map((realm) => ({
    ...realm,
    cloud_provider_id: realm.cloud_provider_id ?? providerId,
  }));
}

export async function allRealms(ctx: ImcoContext): Promise<ImRealm[]> {
  const lists = await Promise.all((await providerIds(ctx)).map((id) => realmsOf(ctx, id)));
  return lists.flat();
}

/** v3 lists plans per realm only (`realm_id` is required there). */
export async function plansOf(ctx: ImcoContext, realm: ImRealm): Promise<ImServerPlan[]> {
  const answer = await ctx.client.list<unknown>(
    `/cloud/cloud_providers/${seg(realm.cloud_provider_id ?? '')}/server_plans`,
    'server_plans.list',
    { realm_id: realm.id },
  );
  return ofType(answer, ImcoServerPlan).map((plan) => ({
    ...plan,
    realm_id: plan.realm_id ?? realm.id,
    cloud_provider_id: plan.cloud_provider_id ?? realm.cloud_provider_id,
  }));
}

/** An account by id, or the first usable one of a provider (idle, or no state reported: v2). */
export async function chooseAccount(
  ctx: ImcoContext,
  options: { explicit?: string; providerId?: string | null; field: string },
): Promise<ImCloudAccount> {
  const accounts = await cloudAccounts(ctx);
  if (options.explicit) {
    const found = accounts.find((account) => account.id === options.explicit);
    if (!found)
      throw new ValidationError(`IMCO has no cloud account '${options.explicit}'.`, [
        { field: options.field, message: 'no such cloud account' },
      ]);
    if (options.providerId && found.cloud_provider_id && found.cloud_provider_id !== options.providerId)
      throw new ValidationError("The cloud account belongs to another cloud provider than the plan's.", [
        { field: options.field, message: "does not match the plan's cloud provider" },
      ]);
    return found;
  }
  const candidates = accounts.filter(
    (account) =>
      !options.providerId || !account.cloud_provider_id || account.cloud_provider_id === options.providerId,
  );
  const usable = candidates.find((account) => !account.state || account.state === 'idle') ?? candidates[0];
  if (!usable)
    throw new ValidationError('No IMCO cloud account can hold this resource.', [
      { field: options.field, message: 'no cloud account of the matching cloud provider' },
    ]);
  return usable;
}

export async function requirePlan(ctx: ImcoContext, planId: string): Promise<ImServerPlan> {
  const plan = await ctx.client.get<ImServerPlan>(
    `/cloud/server_plans/${seg(planId)}`,
    'server_plans.get',
    ImcoServerPlan,
  );
  if (!plan)
    throw new ValidationError(`IMCO has no server plan '${planId}'.`, [
      { field: 'planId', message: 'no such plan' },
    ]);
  ctx.serverPlans.remember(plan);
  return plan;
}

/** The plan of exactly this size, in `realmId` when given (IMCO plans are fixed sizes). */
export async function planOfSize(
  ctx: ImcoContext,
  cpuCores: number,
  memoryMb: number,
  realmId: string | undefined,
): Promise<ImServerPlan> {
  const realms = (await allRealms(ctx)).filter(
    (realm) => !realm.deprecated && (!realmId || realm.id === realmId),
  );
  for (const realm of realms) {
    const plan = (await plansOf(ctx, realm)).find((p) => p.cpus === cpuCores && p.memory === memoryMb);
    if (plan) return plan;
  }
  throw new ValidationError(
    `No IMCO server plan has ${cpuCores} cores and ${memoryMb} MiB${realmId ? ' in that location' : ''}; see GET /v1/providers/{name}/plans.`,
    [{ field: 'cpuCores', message: 'no plan of this size' }],
  );
}

export async function requireServer(ctx: ImcoContext, id: string): Promise<ImServer> {
  const server = await ctx.client.get<ImServer>(`${PATHS.servers}/${seg(id)}`, 'servers.get', ImcoServer);
  if (!server) throw new NotFoundError(`IMCO has no server '${id}'.`);
  return server;
}

/** Where a server is: the realm of its plan. */
export async function realmOfServer(ctx: ImcoContext, server: ImServer): Promise<string | null> {
  const plans = await ctx.serverPlans.many([server.server_plan_id]);
  return plans.get(server.server_plan_id ?? '')?.realm_id ?? null;
}

export type ImageChoice = { template: ImTemplate } | { genericImage: ImGenericImage };

/** An image id names a template, or a generic image that a template still has to be found or made for. */
export async function resolveImage(ctx: ImcoContext, imageId: string): Promise<ImageChoice> {
  const template = await ctx.client.get<ImTemplate>(
    `/blueprint/templates/${seg(imageId)}`,
    'templates.get',
    ImcoTemplate,
  );
  if (template) return { template };
  const images = await ctx.client.list<ImGenericImage>('/cloud/generic_images', 'generic_images.list');
  const genericImage = images.find((image) => image.id === imageId);
  if (genericImage) return { genericImage };
  throw new ValidationError(`IMCO has no template or generic image '${imageId}'.`, [
    { field: 'imageId', message: 'no such template or generic image' },
  ]);
}

/** The first realm of a provider that is not deprecated. */
export async function firstRealm(ctx: ImcoContext, providerId: string, field: string): Promise<ImRealm> {
  const realm = (await realmsOf(ctx, providerId)).find((r) => !r.deprecated);
  if (!realm)
    throw new ValidationError('The cloud provider of this account offers no realm.', [
      { field, message: 'no realm available' },
    ]);
  return realm;
}
