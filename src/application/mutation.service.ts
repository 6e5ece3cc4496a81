import { Injectable, Optional } from '@nestjs/common';
import type { Caller } from '../common/auth/caller';
import { NotFoundError, UnsupportedOperationError } from '../common/errors/gateway-error';
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
import { ProviderOptionsValidator } from './provider-options.validator';
import { RequestSchemas } from './request-schemas';
import { ResourceAccess } from './resource-access.service';

/**
 * What a mutation takes from its request, as plain data (the HTTP layer reads it off the request): who asks,
 * the `Idempotency-Key` as sent, what the replay fingerprint is made of, and the request id.
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

/** Refusals that depend on the resource's state, checked again against a fresh read before they are answered. */
const STATE_REFUSALS: ReadonlySet<RefusalReason | undefined> = new Set([
  RefusalReason.WrongState,
  RefusalReason.NotReleasable,
  RefusalReason.BootVolume,
]);

/**
 * The shared path of every mutation: idempotent replay first, then capability (501 before any backend call),
 * input and provider options, existence of the target and what `allowedActions` says of it (the same checks,
 * in the same order, with the same reasons), then a durable task.
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
          fingerprint: requestFingerprint(call.method, call.path, call.body),
        }
      : null;
    if (idempotency) {
      const earlier = await this.intake.replay(idempotency);
      if (earlier) return { task: earlier, replayed: true };
    }

    if (!adapter.can(operation)) {
      throw new UnsupportedOperationError(adapter.name, operation, adapter.unsupportedReasons?.[operation]);
    }
    const input = await params.input(
      adapter,
      this.options.validate(adapter, operation, params.providerOptions),
    );
    // After the 501s of missing features: what this connection requires beyond the API's schema, before any call.
    this.requestSchemas?.validate(adapter, operation, call.body);
    if (target && !CREATE_OPERATIONS.has(operation)) {
      const action = actionOfRequest(operation, input);
      if (action) await this.requireAccepted(adapter, action, target.nativeId, target.id);
      else await this.requireExisting(adapter, OPERATION_RESOURCE[operation], target.nativeId, target.id);
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
    });
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
   * 404, 409 or 501 now, as `allowedActions` shows it, rather than a failed task later. Reads through the cache;
   * a refusal for the resource's state is confirmed by a fresh read first, so a stale copy never refuses.
   */
  private async requireAccepted(
    adapter: Connection,
    action: ActionName,
    nativeId: string,
    id: string,
  ): Promise<void> {
    const why = unsupportedReason(adapter, action);
    if (why !== null) throw new UnsupportedOperationError(adapter.name, action, why);
    const { type } = ACTIONS[action];
    const port = this.reads.reader<AnyResource>(adapter, type);
    if (!port) return;
    const read = (fresh: boolean) =>
      Promise.all([
        this.cache.item(adapter.name, type, nativeId, () => port.get(nativeId), fresh),
        this.tasks.activeTaskIds([id]),
      ]);
    let [item, [activeTaskId]] = await read(false);
    if (!item.value) throw new NotFoundError(`No ${type} '${id}'.`);
    let verdict = judge(adapter, action, item.value, activeTaskId);
    if (!verdict.allowed && STATE_REFUSALS.has(verdict.reason)) {
      [item, [activeTaskId]] = await read(true);
      if (!item.value) throw new NotFoundError(`No ${type} '${id}'.`);
      verdict = judge(adapter, action, item.value, activeTaskId);
    }
    if (!verdict.allowed)
      throw refusalError(adapter.name, action, verdict, (item.value as { state?: string }).state ?? '');
  }

  /** 404 now rather than a failed task later; reads through the cache, so it costs little. */
  async requireExisting(
    adapter: Connection,
    type: ResourceType,
    nativeId: string,
    id: string,
  ): Promise<void> {
    const port = this.reads.reader<{ nativeId: string }>(adapter, type);
    if (!port) return;
    const read = await this.cache.item(adapter.name, type, nativeId, () => port.get(nativeId));
    if (!read.value) throw new NotFoundError(`No ${type} '${id}'.`);
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
