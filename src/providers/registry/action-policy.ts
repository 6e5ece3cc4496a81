import type { ActionsByType, ActionVerdict } from '../../domain/allowed-actions.dto';
import type { AnyResource, ResourceByType } from '../../domain/resource';
import type { ResourceType } from '../../domain/states';
import { ACTIONS, ACTIONS_OF_TYPE, ActionName, ActionRule, RefusalReason } from '../ports/actions';
import type { Connection } from './connection';

/** Whether an action would be accepted now, and if not, why (the `reason` its request would answer with). */
export type Verdict = ActionVerdict;

const ALLOWED: Verdict = Object.freeze({ allowed: true });

/** Why an adapter cannot do an action at all, or null when it can; remembered per adapter (it never changes). */
const SUPPORT = new WeakMap<Connection, Map<ActionName, string | null>>();

export function unsupportedReason(adapter: Connection, action: ActionName): string | null {
  let known = SUPPORT.get(adapter);
  if (!known) SUPPORT.set(adapter, (known = new Map<ActionName, string | null>()));
  let reason = known.get(action);
  if (reason === undefined) {
    const { operation } = ACTIONS[action];
    reason = !adapter.can(operation)
      ? (adapter.unsupportedReasons?.[operation] ?? 'not supported by this provider')
      : (adapter.actions?.unsupported?.[action] ?? null);
    known.set(action, reason);
  }
  return reason;
}

/**
 * The verdict on one action, in the order a request meets the checks: what the backend can do at all, then
 * whether a task holds the resource, then the backend's rules on its current state.
 */
export function judge(
  adapter: Connection,
  action: ActionName,
  resource: AnyResource,
  activeTaskId: string | null | undefined,
): Verdict {
  const unsupported = unsupportedReason(adapter, action);
  if (unsupported !== null)
    return { allowed: false, reason: RefusalReason.UnsupportedOperation, message: unsupported };
  if (activeTaskId)
    return {
      allowed: false,
      reason: RefusalReason.Busy,
      message: `Task ${activeTaskId} is running on this resource; retry when it has ended.`,
      activeTaskId,
    };
  const rule = adapter.actions?.rules?.[action] as ActionRule<AnyResource> | undefined;
  const refusal = rule?.(resource);
  return refusal ? { allowed: false, ...refusal } : ALLOWED;
}

/** Every action of the resource's type, keyed by its short name (`start`, `forceStop`, `release`…). */
export function allowedActions<T extends ResourceType>(
  adapter: Connection,
  type: T,
  resource: ResourceByType[T],
  activeTaskId: string | null | undefined,
): ActionsByType[T] {
  const verdicts: Record<string, Verdict> = {};
  for (const action of ACTIONS_OF_TYPE[type])
    verdicts[ACTIONS[action].key] = judge(adapter, action, resource, activeTaskId);
  return verdicts as unknown as ActionsByType[T];
}
