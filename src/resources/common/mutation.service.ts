import { Injectable } from '@nestjs/common';
import type { HttpCall } from '../../common/http/call.decorator';
import { NotFoundError, UnsupportedOperationError } from '../../common/errors/gateway-error';
import { readIdempotencyKey, requestFingerprint } from '../../common/http/fingerprint';
import { SnapshotCache } from '../../cache/snapshot-cache.service';
import { ResourceType } from '../../domain/states';
import { PORT_OF_TYPE, plannerOf } from '../../providers/ports/capabilities';
import {
  CREATE_OPERATIONS,
  OPERATION_RESOURCE,
  OperationInputs,
  OperationName,
} from '../../providers/ports/operations';
import type { ProviderAdapter } from '../../providers/ports/provider-adapter';
import type { ResourceReader as ReaderPort } from '../../providers/ports/ports';
import { IdempotencyContext, Submitted, TaskIntake } from '../../tasks/task-intake.service';
import { ProviderOptionsValidator } from './provider-options.validator';
import { ResourceAccess } from './resource-access.service';

export interface MutationParams<O extends OperationName> {
  call: HttpCall;
  operation: O;
  /** For creates: the connection named in the body. */
  connection?: string;
  /** For operations on an existing resource: its gateway id. */
  resourceId?: string;
  /** `providerOptions` of the body, validated against the adapter's schema before `input` sees them. */
  providerOptions?: Record<string, unknown>;
  /** Builds the operation input once the adapter is known (to resolve references to native ids). */
  input(
    adapter: ProviderAdapter,
    providerOptions: Record<string, unknown>,
  ): OperationInputs[O] | Promise<OperationInputs[O]>;
}

/**
 * The shared path of every mutation (DESIGN §2): idempotent replay first, then capability (501 before any
 * backend call), input and provider options, existence of the target, then a durable task.
 */
@Injectable()
export class MutationService {
  constructor(
    private readonly access: ResourceAccess,
    private readonly intake: TaskIntake,
    private readonly cache: SnapshotCache,
    private readonly options: ProviderOptionsValidator,
  ) {}

  async submit<O extends OperationName>(params: MutationParams<O>): Promise<Submitted> {
    const { operation } = params;
    const { caller, request } = params.call;
    const target = params.resourceId ? this.access.resolve(caller, params.resourceId) : null;
    const adapter = target?.adapter ?? this.access.connection(caller, params.connection!);

    const key = readIdempotencyKey(request.headers['idempotency-key']);
    const idempotency: IdempotencyContext | null = key
      ? {
          apiKeyName: caller.keyName,
          key,
          fingerprint: requestFingerprint(request.method, request.url.split('?')[0], request.body),
        }
      : null;
    if (idempotency) {
      const earlier = await this.intake.replay(idempotency);
      if (earlier) return { task: earlier, replayed: true };
    }

    if (!plannerOf(adapter, operation)) {
      throw new UnsupportedOperationError(adapter.name, operation, adapter.unsupportedReasons?.[operation]);
    }
    const input = await params.input(
      adapter,
      this.options.validate(adapter, operation, params.providerOptions),
    );
    if (target && !CREATE_OPERATIONS.has(operation))
      await this.requireExisting(adapter, OPERATION_RESOURCE[operation], target.nativeId, target.id);

    return this.intake.submit({
      adapter,
      operation,
      target: target?.nativeId ?? null,
      resourceId: target?.id ?? null,
      input,
      idempotency,
      requestId: String(request.id),
    });
  }

  /** An operation on an existing resource whose input needs no adapter-specific resolution. */
  submitOn<O extends OperationName>(
    call: HttpCall,
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
  async reference(adapter: ProviderAdapter, type: ResourceType, ref: string, field: string): Promise<string> {
    const nativeId = this.access.nativeRef(adapter, ref, field);
    await this.requireExisting(adapter, type, nativeId, ref);
    return nativeId;
  }

  /** 404 now rather than a failed task later; reads through the cache, so it costs little. */
  async requireExisting(
    adapter: ProviderAdapter,
    type: ResourceType,
    nativeId: string,
    id: string,
  ): Promise<void> {
    const port = adapter[PORT_OF_TYPE[type]] as ReaderPort<{ nativeId: string }> | undefined;
    if (!port) return;
    const read = await this.cache.item(adapter.name, type, nativeId, () => port.get(nativeId));
    if (!read.value) throw new NotFoundError(`No ${type} '${id}'.`);
  }
}
