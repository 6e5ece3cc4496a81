import type { ResourceByType } from '../domain/resource';
import type { ViewByType } from '../domain/resource-views.dto';
import type { ResourceType } from '../domain/states';
import { allowedActions } from '../providers/registry/action-policy';
import type { Connection } from '../providers/registry/connection';

/**
 * A resource as the API serves it: as its adapter read it, plus its type and what can be done to it now. Made
 * per answer, never cached: `allowedActions` depends on the task running on the resource.
 */
export function presentResource<T extends ResourceType>(
  adapter: Connection,
  type: T,
  resource: ResourceByType[T],
  activeTaskId: string | null | undefined,
): ViewByType[T] {
  return {
    ...resource,
    ...(activeTaskId ? { activeTaskId } : {}),
    resourceType: type,
    allowedActions: allowedActions(adapter, type, resource, activeTaskId),
  } as unknown as ViewByType[T];
}
