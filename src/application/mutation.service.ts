import { Inject, Injectable, Optional } from '@nestjs/common';
import type { Caller } from '../common/auth/caller';
import {
  NotFoundError,
  PreconditionFailedError,
  UnsupportedOperationError,
} from '../common/errors/gateway-error';
import { entityTag, ifMatchHolds } from '../common/http/etag';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway-config';
import { RefusalReason } from '../domain/allowed-actions.dto';
import type { AnyResource, ResourceByType } from '../domain/resource';
import { readIdempotencyKey, requestFingerprint } from '../common/http/fingerprint';
import { SnapshotCache } from '../cache/snapshot-cache.service';
import { ResourceType } from '../domain/states';
import { judge, unsupportedReason } from '../providers/registry/action-policy';
import { ACTIONS, actionOfRequest, type ActionName } from '../providers/ports/actions';
import {
  CREATE_OPERATIONS,
  OPERATION_RESOURCE,
  OperationInputs,
  OperationName,
} from '../providers/ports/operations';
import type { Connection } from '../providers/registry/connection';
import { GatewayReads } from '../tasks/gateway-reads';
import { IdempotencyContext, Submitted, TaskIntake } from '../tasks/task-intake.service';
import { TaskStore } from '../tasks/task-store.service';
import { refusalError } from './action-refusal';
import { checkDeadline } from './deadline-limits';
import { ProviderOptionsValidator } from './provider-options.validator';
import { RequestSchemas } from './request-schemas';
import { ResourceAccess } from './resource-access.service';
import { presentResource } from './resource-presenter';

/**
 * What a mutation takes from its request, as plain data (the HTTP layer reads it off the request): who asks,
 * the `Idempotency-Key` as sent, what the replay fingerprint is made of, the request id, the caller's deadline
 * and the `If-Match` condition.
 */
export interface MutationCall {
  caller: Caller;
  /** The `Idempotency-Key` header as sent; checked here, once the target is known. */
  idempotencyKey: string | string[] | undefined;
  method: string;
  /** The request path without its query. */
  path: string;
  /** The request body as parsed, before validation. */
  body: unknown;
  requestId: string;
  /** `?deadlineSeconds=`, an integer (the HTTP layer refuses anything else); its range is checked here. */
  deadlineSeconds?: number;
  /** The `If-Match` header as sent; honoured on operations on an existing resource, ignored on creates. */
  ifMatch?: string;
}

/** A resource as a request saw it: what the backend answered and the task holding it, if any. */
interface Seen {
  value: AnyResource;
  activeTaskId: string | null | undefined;
}

export interface MutationParams<O extends OperationName> {
  call: MutationCall;
  operation: O;
  /** For creates: the connection named in the body. */
  connection?: string;
  /** For operations on an existing resource: its gateway id. */
  resourceId?: string;
  /** `providerOptions` of the body, validated against the adapter's schema before `input` sees them. */
  providerOptions?: Record<string, unknown>;
  /** Builds the operation input once the adapter is known (to resolve references to native ids). */
  input(
    adapter: Connection,
    providerOptions: Record<string, unknown>,
  ): OperationInputs[O] | Promise<OperationInputs[O]>;
}

/** The normalized state of a resource as read (its history's `fromState`); null for types without one. */
function stateOf(resource: AnyResource | null): string | null {
  const state = (resource as { state?: unknown } | null)?.state;
  return typeof state === 'string' ? state : null;
}

/** Refusals that depend on the resource's state, checked again against a fresh read before they are answered. */
const STATE_REFUSALS: ReadonlySet<RefusalReason | undefined> = new Set([
  RefusalReason.WrongState,
  RefusalReason.NotReleasable,
  RefusalReason.BootVolume,
]);

/**
 * The shared path of every mutation: idempotent replay first, then capability (501 before any backend call), the
 * caller's deadline, input and provider options, `If-Match` (412), existence of the target and what
 * `allowedActions` says of it (the same checks, in the same order, with the same reasons), then a durable task
 * that records who asked and the state the target was seen in.
 */
@Injectable()
export class MutationService {
  constructor(
    private readonly access: ResourceAccess,
    private readonly intake: TaskIntake,
    private readonly cache: SnapshotCache,
    private readonly options: ProviderOptionsValidator,
    private readonly tasks: TaskStore,
    private readonly reads: GatewayReads,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Optional() private readonly requestSchemas?: RequestSchemas,
  ) {}

  async submit<O extends OperationName>(params: MutationParams<O>): Promise<Submitted> {
    const { operation, call } = params;
    const { caller } = call;
    const target = params.resourceId ? this.access.resolve(caller, params.resourceId) : null;
    const adapter = target?.adapter ?? this.access.connection(caller, params.connection!);

    const key = readIdempotencyKey(call.idempotencyKey);
    const idempotency: IdempotencyContext | null = key
      ? {
          apiKeyName: caller.keyName,
          key,
          fingerprint: requestFingerprint(call.method, call.path, call.body, call.deadlineSeconds),
        }
      : null;
    if (idempotency) {
      const earlier = await this.intake.replay(adapter.name, idempotency);
      if (earlier) return { task: earlier, replayed: true };
    }

    if (!adapter.can(operation)) {
      throw new UnsupportedOperationError(adapter.name, operation, adapter.unsupportedReasons?.[operation]);
    }
    const deadlineSeconds = this.checkDeadline(adapter, operation, call.deadlineSeconds);
    const input = await params.input(
      adapter,
      this.options.validate(adapter, operation, params.providerOptions),
    );
    // After the 501s of missing features: what this connection requires beyond the API's schema, before any call.
    this.requestSchemas?.validate(adapter, operation, call.body);
    let fromState: string | null = null;
    if (target && !CREATE_OPERATIONS.has(operation)) {
      const type = OPERATION_RESOURCE[operation];
      const action = actionOfRequest(operation, input);
      // An action the backend cannot do at all (e.g. an orderly stop) answers 501 before any read.
      const why = action ? unsupportedReason(adapter, action) : null;
      if (why !== null) throw new UnsupportedOperationError(adapter.name, action!, why);
      // Then If-Match: a caller acting on a version it saw means that version, whatever else would be said.
      const seen =
        call.ifMatch === undefined
          ? undefined
          : await this.requireMatch(adapter, type, target.nativeId, target.id, call.ifMatch);
      const current = action
        ? await this.requireAccepted(adapter, action, target.nativeId, target.id, seen)
        : await this.requireExisting(adapter, type, target.nativeId, target.id, seen?.value);
      fromState = stateOf(current);
    }

    return this.intake.submit({
      adapter,
      operation,
      target: target?.nativeId ?? null,
      resourceId: target?.id ?? null,
      input,
      idempotency,
      requestId: call.requestId,
      actor: caller.keyName,
      fromState,
      deadlineSeconds,
    });
  }

  /**
   * A caller's `?deadlineSeconds=` against the connection's ceiling for the operation: 400 naming the field and the
   * ceiling when out of range (docs/design.md#caller-deadlines).
   */
  checkDeadline(
    adapter: Connection,
    operation: OperationName,
    requested: number | undefined,
  ): number | undefined {
    return checkDeadline(adapter, operation, requested, this.config.tasks);
  }

  /**
   * `If-Match` on a resource (docs/design.md#optimistic-concurrency): the current version is that of a fresh read
   * (past the cache), presented as a GET presents it, so the ETag of a GET sent back unchanged matches while
   * nothing changed. 412 when no tag matches, 404 when the resource is gone. The read is handed on to the checks
   * that follow, so they judge the very version that matched.
   */
  async requireMatch(
    adapter: Connection,
    type: ResourceType,
    nativeId: string,
    id: string,
    ifMatch: string,
  ): Promise<Seen> {
    const port = this.reads.reader<AnyResource>(adapter, type);
    if (!port) throw new UnsupportedOperationError(adapter.name, `${type}.read`);
    const [read, [activeTaskId]] = await Promise.all([
      this.cache.item(adapter.name, type, nativeId, () => port.get(nativeId), true),
      this.tasks.activeTaskIds([id]),
    ]);
    if (!read.value) throw new NotFoundError(`No ${type} '${id}'.`);
    this.requireVersion(adapter, type, read.value, activeTaskId, ifMatch);
    return { value: read.value, activeTaskId };
  }

  /** 412 unless `If-Match` names the version of the resource as presented now (or is absent, or `*`). */
  requireVersion(
    adapter: Connection,
    type: ResourceType,
    resource: AnyResource,
    activeTaskId: string | null | undefined,
    ifMatch: string | undefined,
  ): void {
    if (ifMatch === undefined) return;
    const current = entityTag(presentResource(adapter, type, resource as never, activeTaskId));
    if (!ifMatchHolds(ifMatch, current))
      throw new PreconditionFailedError(
        `The ${type} '${resource.id}' changed since the version named in If-Match: read it again and decide anew.`,
      );
  }

  /** An operation on an existing resource whose input needs no adapter-specific resolution. */
  submitOn<O extends OperationName>(
    call: MutationCall,
    operation: O,
    resourceId: string,
    input: OperationInputs[O],
  ): Promise<Submitted> {
    return this.submit({ call, operation, resourceId, input: () => input });
  }

  /**
   * Resolves a reference to another resource of the same connection (e.g. `serverId`) and checks that it
   * exists, so that a typo answers 400/404 now instead of a failed task later.
   */
  async reference(adapter: Connection, type: ResourceType, ref: string, field: string): Promise<string> {
    const nativeId = this.access.nativeRef(adapter, ref, field);
    await this.requireExisting(adapter, type, nativeId, ref);
    return nativeId;
  }

  /**
   * 404 or 409 now, as `allowedActions` shows it, rather than a failed task later (its 501 is answered before). Reads through the cache;
   * a refusal for the resource's state is confirmed by a fresh read first, so a stale copy never refuses.
   */
  private async requireAccepted(
    adapter: Connection,
    action: ActionName,
    nativeId: string,
    id: string,
    seen?: Seen,
  ): Promise<AnyResource | null> {
    const { type } = ACTIONS[action];
    const port = this.reads.reader<AnyResource>(adapter, type);
    if (!port) return null;
    const read = async (fresh: boolean): Promise<Seen> => {
      const [item, [activeTaskId]] = await Promise.all([
        this.cache.item(adapter.name, type, nativeId, () => port.get(nativeId), fresh),
        this.tasks.activeTaskIds([id]),
      ]);
      if (!item.value) throw new NotFoundError(`No ${type} '${id}'.`);
      return { value: item.value, activeTaskId };
    };
    // A read made for If-Match is fresh already: judged as it is.
    let current = seen ?? (await read(false));
    let verdict = judge(adapter, action, current.value, current.activeTaskId);
    if (!seen && !verdict.allowed && STATE_REFUSALS.has(verdict.reason)) {
      current = await read(true);
      verdict = judge(adapter, action, current.value, current.activeTaskId);
    }
    if (!verdict.allowed) throw refusalError(adapter.name, action, verdict, stateOf(current.value) ?? '');
    return current.value;
  }

  /**
   * 404 now rather than a failed task later; reads through the cache, so it costs little. Answers the resource
   * (`seen` when the caller read it already), or null when the connection cannot read the type.
   */
  async requireExisting(
    adapter: Connection,
    type: ResourceType,
    nativeId: string,
    id: string,
    seen?: AnyResource,
  ): Promise<AnyResource | null> {
    if (seen) return seen;
    const port = this.reads.reader<AnyResource>(adapter, type);
    if (!port) return null;
    const read = await this.cache.item(adapter.name, type, nativeId, () => port.get(nativeId));
    if (!read.value) throw new NotFoundError(`No ${type} '${id}'.`);
    return read.value;
  }

  /**
   * The resource as the backend has it now (past the cache, which keeps this read), for a request that computes
   * its input from it: a relabel merges into its labels, a volume grows from its size. 404 when it is gone.
   */
  async freshRead<T extends ResourceType>(
    adapter: Connection,
    type: T,
    nativeId: string,
    id: string,
  ): Promise<ResourceByType[T]> {
    const port = this.reads.reader<ResourceByType[T]>(adapter, type);
    if (!port) throw new UnsupportedOperationError(adapter.name, `${type}.read`);
    const read = await this.cache.item(adapter.name, type, nativeId, () => port.get(nativeId), true);
    if (!read.value) throw new NotFoundError(`No ${type} '${id}'.`);
    return read.value;
  }
}
