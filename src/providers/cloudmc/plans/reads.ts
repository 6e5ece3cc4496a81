import { NeedsAttentionError, NotFoundError } from '../../../common/errors/gateway-error';
import type { StepContext } from '../../ports/operation-plan';
import { type CmInstance, INSTANCE, NAMED } from '../client/wire';
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
