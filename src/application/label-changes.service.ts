import { Injectable } from '@nestjs/common';
import { SnapshotCache } from '../cache/snapshot-cache.service';
import { ConflictError, ValidationError } from '../common/errors/gateway-error';
import { readIdempotencyKey } from '../common/http/fingerprint';
import { RefusalReason } from '../domain/allowed-actions.dto';
import { labelProblem, mergeLabels, type Labels } from '../domain/labels';
import type { ResourceType } from '../domain/states';
import type { ResourceByType } from '../domain/resource';
import type { ViewByType } from '../domain/resource-views.dto';
import { RELABEL_OPERATIONS } from '../providers/ports/operations';
import type { Connection } from '../providers/registry/connection';
import { LabelStore } from '../tasks/label-store.service';
import type { Submitted } from '../tasks/task-intake.service';
import { TaskStore } from '../tasks/task-store.service';
import { MutationService, type MutationCall } from './mutation.service';
import { ResourceAccess } from './resource-access.service';
import { presentResource } from './resource-presenter';

/** The resource types that carry labels, as the API names them. */
export type LabeledResourceType =
  ResourceType.Server | ResourceType.Volume | ResourceType.Network | ResourceType.Ip;

/** A PATCH of labels: a task where the backend keeps them, else the resource as changed at once. */
export type LabelChangeOutcome<T extends LabeledResourceType> =
  { submitted: Submitted; resource?: never } | { resource: ViewByType[T]; submitted?: never };

/** The set a change leaves, or the 400 of one that breaks the rules once merged (too many labels). */
function merged(current: Labels, patch: Record<string, string | null>): Labels {
  const labels = mergeLabels(current, patch);
  const problem = labelProblem(labels);
  if (problem)
    throw new ValidationError(`labels: ${problem} once merged.`, [{ field: 'labels', message: problem }]);
  return labels;
}

/**
 * Changes the labels of a server, volume, network or IP address (docs/design.md#labels). Where the backend keeps
 * the type's labels the change is a `<type>.relabel` task whose input is the whole set: the caller's change merged
 * into a fresh read. Elsewhere the gateway keeps them: the set is changed in its store and the cached copies of the
 * resource are replaced at once, so the 200 and every read after it show the change.
 */
@Injectable()
export class LabelChanges {
  constructor(
    private readonly access: ResourceAccess,
    private readonly mutations: MutationService,
    private readonly cache: SnapshotCache,
    private readonly labels: LabelStore,
    private readonly tasks: TaskStore,
  ) {}

  async change<T extends LabeledResourceType>(
    call: MutationCall,
    type: T,
    id: string,
    patch: Record<string, string | null>,
  ): Promise<LabelChangeOutcome<T>> {
    if (Object.keys(patch).length === 0)
      return this.nothingAsked(
        call,
        type,
        id,
        new ValidationError('labels: name at least one key to set or remove.', [
          { field: 'labels', message: 'must name at least one key to set (a value) or remove (null)' },
        ]),
      );
    const target = this.access.resolve(call.caller, id);
    const adapter = target.adapter;
    if (adapter.labelStorage(type) === 'native') {
      const submitted = await this.mutations.submit({
        call,
        operation: RELABEL_OPERATIONS[type],
        resourceId: id,
        input: async () => ({
          labels: merged(
            ((await this.mutations.freshRead(adapter, type, target.nativeId, id)) as { labels: Labels })
              .labels,
            patch,
          ),
        }),
      });
      return { submitted };
    }
    readIdempotencyKey(call.idempotencyKey); // checked as on any mutation; a merge applied twice changes nothing
    // No task to bound, but the same request answers the same on every connection (docs/design.md#caller-deadlines).
    this.mutations.checkDeadline(adapter, RELABEL_OPERATIONS[type], call.deadlineSeconds);
    return { resource: await this.changeHeld(adapter, type, target.nativeId, id, patch, call.ifMatch) };
  }

  /**
   * A PATCH that asks for no change answers 400, but only after what any mutation checks first: the id (400 or
   * 404), the `Idempotency-Key` (400) and that the resource exists (404).
   */
  async nothingAsked(
    call: MutationCall,
    type: ResourceType,
    id: string,
    refusal: ValidationError,
  ): Promise<never> {
    const target = this.access.resolve(call.caller, id);
    readIdempotencyKey(call.idempotencyKey);
    this.access.port(target.adapter, type);
    await this.mutations.requireExisting(target.adapter, type, target.nativeId, id);
    throw refusal;
  }

  /**
   * A change of labels the gateway keeps: refused while a task holds the resource, as any mutation is, and under
   * an `If-Match` that no longer names the resource as read now (412, docs/design.md#optimistic-concurrency).
   */
  private async changeHeld<T extends LabeledResourceType>(
    adapter: Connection,
    type: T,
    nativeId: string,
    id: string,
    patch: Record<string, string | null>,
    ifMatch: string | undefined,
  ): Promise<ViewByType[T]> {
    this.access.port(adapter, type); // 501 when the connection cannot read the type
    const [activeTaskId] = await this.tasks.activeTaskIds([id]);
    if (activeTaskId)
      throw new ConflictError(`The resource is busy with task ${activeTaskId}; retry when it has ended.`, {
        retryable: true,
        extensions: { reason: RefusalReason.Busy, activeTaskId },
      });
    const current = (await this.mutations.freshRead(adapter, type, nativeId, id)) as ResourceByType[T] & {
      labels: Labels;
    };
    // No task holds it (checked above): the version is the fresh read presented without one, as a GET shows it.
    this.mutations.requireVersion(adapter, type, current, null, ifMatch);
    const labels = merged(current.labels, patch);
    await this.labels.set(adapter.name, type, nativeId, labels);
    const resource = { ...current, labels };
    await this.cache.changed(adapter.name, type, nativeId, resource);
    return presentResource(adapter, type, resource, null);
  }
}
