import { Injectable } from '@nestjs/common';
import { SnapshotCache, SnapshotRead } from '../cache/snapshot-cache.service';
import type { Caller } from '../common/auth/caller';
import { GatewayError, NotFoundError, ProviderError, ValidationError } from '../common/errors/gateway-error';
import { problemFromGatewayError } from '../common/errors/problem.mapper';
import { isRedisUnavailable } from '../common/errors/redis-unavailable';
import { parseResourceId } from '../common/ids/resource-id';
import { MetricsService } from '../common/metrics/metrics.service';
import { decodePageToken, encodePageToken } from '../common/pagination/page-token';
import { matchesLabels, parseLabelSelector, type LabelSelector, type Labels } from '../domain/labels';
import type { ResourceByType } from '../domain/resource';
import type { ViewByType } from '../domain/resource-views.dto';
import { ResourceType } from '../domain/states';
import { PORT_OF_TYPE } from '../providers/registry/capabilities';
import type { Listed, SkippedItem } from '../domain/listed';
import { ProviderRegistry } from '../providers/registry/provider-registry.service';
import { GatewayReads } from '../tasks/gateway-reads';
import { HistoryLog } from '../tasks/history-log.service';
import { TaskStore } from '../tasks/task-store.service';
import { Logger } from '@nestjs/common';
import { ProviderListState, ProviderListStatus } from './provider-list-status.dto';
import { ResourceAccess } from './resource-access.service';
import { presentResource } from './resource-presenter';

export interface ListParams {
  provider?: string;
  state?: string;
  name?: string;
  /** `label` filters as given (`key=value` or `key`), already validated; all must match. */
  label?: string[];
  pageSize?: number;
  pageToken?: string;
}

export interface ListResult<R> {
  items: R[];
  nextPageToken: string | null;
  providers: ProviderListStatus[];
}

export interface GetResult<R> {
  resource: R;
  /** True when the backend failed and a cached copy is served. */
  stale: boolean;
  observedAt: string;
}

const compare = (a: { provider: string; nativeId: string }, b: { provider: string; nativeId: string }) =>
  a.provider < b.provider
    ? -1
    : a.provider > b.provider
      ? 1
      : a.nativeId < b.nativeId
        ? -1
        : a.nativeId > b.nativeId
          ? 1
          : 0;

/** The `label` filters of a list, validated again here (the query DTO checked them: this is never a 400 path). */
function labelSelectors(texts: readonly string[] | undefined): LabelSelector[] {
  return (texts ?? []).map((text, i) => {
    const selector = parseLabelSelector(text);
    if (typeof selector === 'string')
      throw new ValidationError(selector, [{ field: `label[${i}]`, message: selector }]);
    return selector;
  });
}

/** The problem of a `partial` row: how many items were left out and the first reasons. */
function partialAnswer(type: ResourceType, count: number, skipped: SkippedItem[]): GatewayError {
  return new ProviderError(
    `${count} ${type} item(s) of the backend's answer could not be read and are left out; first: ${skipped[0]?.reason ?? 'unknown'}.`,
    { retryable: false, extensions: { skipped } },
  );
}

/**
 * Reads of every resource type: fan-out lists over the caller's connections with a per-provider deadline and
 * honest partial results, and single reads through the snapshot cache.
 */
@Injectable()
export class ResourceReaderService {
  private readonly logger = new Logger(ResourceReaderService.name);

  constructor(
    private readonly registry: ProviderRegistry,
    private readonly access: ResourceAccess,
    private readonly cache: SnapshotCache,
    private readonly tasks: TaskStore,
    private readonly metrics: MetricsService,
    private readonly reads: GatewayReads,
    private readonly history: HistoryLog,
  ) {}

  async list<T extends ResourceType>(
    type: T,
    caller: Caller,
    params: ListParams,
    requestId: string,
    fresh = false,
  ): Promise<ListResult<ViewByType[T]>> {
    const pageSize = params.pageSize ?? 100;
    const selectors = labelSelectors(params.label);
    const query = {
      provider: params.provider,
      state: params.state,
      name: params.name?.toLowerCase(),
      // Order and repeats do not change what matches: the token of a list stays good for the same filters.
      ...(selectors.length ? { label: [...new Set(params.label)].sort() } : {}),
    };
    const after = decodePageToken(params.pageToken, query, (cursor) => parseResourceId(cursor) !== null);
    const afterRef = after ? parseResourceId(after) : null;
    const connections = params.provider
      ? [this.access.connection(caller, params.provider)]
      : caller.visible(this.registry.names()).map((name) => this.registry.require(name));
    const readable = connections.filter((adapter) => adapter[PORT_OF_TYPE[type]]);

    const reads = await Promise.all(
      readable.map(async (adapter) => {
        // Completed with what the gateway keeps (labels, public keys) before the cache keeps the items.
        const port = this.reads.reader<ResourceByType[T]>(adapter, type)!;
        const deadline = adapter.settings.listDeadlineMs;
        try {
          const read = await this.cache.list(
            adapter.name,
            type,
            // A backend read (never a cache hit): its states feed the history (docs/design.md#history).
            () => {
              const watch = this.history.watch(adapter.name, type);
              return port.list().then(async (answer) => {
                await watch?.list(answer.items, answer.skipped.length === 0);
                return this.counted(adapter.name, type, answer);
              });
            },
            deadline,
            fresh,
          );
          this.metrics.cacheReads.inc({ type, result: read.status });
          return { adapter, read };
        } catch (error) {
          // The gateway's own Redis failing is not this connection's fault: the whole answer is a 503.
          if (isRedisUnavailable(error)) throw error;
          // One connection's failure of any other kind never fails the fan-out: it is that connection's row.
          this.metrics.cacheReads.inc({ type, result: 'error' });
          return { adapter, error: this.asProblemCause(adapter.name, type, error) };
        }
      }),
    );

    const providers: ProviderListStatus[] = reads.map((r) => {
      const problemOf = (e: GatewayError) =>
        problemFromGatewayError(e, { requestId, instance: `/v1/${type}s` });
      if ('error' in r && r.error)
        return {
          provider: r.adapter.name,
          status: ProviderListState.Error,
          error: problemOf(r.error),
          observedAt: null,
        };
      const read = (r as { read: SnapshotRead<ResourceByType[T][]> }).read;
      const skipped = read.skippedCount ?? 0;
      const status =
        read.status === 'stale'
          ? ProviderListState.Stale
          : skipped
            ? ProviderListState.Partial
            : ProviderListState.Ok;
      const error =
        read.error ??
        (skipped ? partialAnswer(type, skipped, read.skipped ?? []).withProvider(r.adapter.name) : undefined);
      return {
        provider: r.adapter.name,
        status,
        ...(error ? { error: problemOf(error) } : {}),
        ...(skipped ? { skipped } : {}),
        observedAt: read.observedAt,
      };
    });

    const needle = query.name;
    const all = reads
      .flatMap((r) => ('read' in r && r.read ? r.read.value : []))
      .filter((item) => !params.state || (item as { state?: string }).state === params.state)
      .filter((item) => !needle || item.name.toLowerCase().includes(needle))
      // Before paging, so that pages stay whole across connections.
      .filter((item) => matchesLabels((item as { labels?: Labels }).labels, selectors))
      .sort(compare);
    const start = afterRef
      ? all.findIndex(
          (item) => compare(item, { provider: afterRef.connection, nativeId: afterRef.nativeId }) > 0,
        )
      : 0;
    const page = start < 0 ? [] : all.slice(start, start + pageSize);
    const more = start >= 0 && start + pageSize < all.length;
    return {
      items: await this.present(type, page),
      nextPageToken: more ? encodePageToken(page[page.length - 1].id, query) : null,
      providers,
    };
  }

  async get<T extends ResourceType>(
    type: T,
    caller: Caller,
    id: string,
    fresh = false,
  ): Promise<GetResult<ViewByType[T]>> {
    const resolved = this.access.resolve(caller, id);
    this.access.port(resolved.adapter, type); // 501 when the connection cannot read the type
    const port = this.reads.reader<ResourceByType[T]>(resolved.adapter, type)!;
    // The lock lookup goes out with the cache read (same round trip with auto-pipelining).
    const [read, [activeTaskId]] = await Promise.all([
      this.cache.item(
        resolved.connection,
        type,
        resolved.nativeId,
        () => {
          const watch = this.history.watch(resolved.connection, type);
          return port.get(resolved.nativeId).then(async (item) => {
            await watch?.item(resolved.nativeId, item);
            return item;
          });
        },
        fresh,
      ),
      this.tasks.activeTaskIds([id]),
    ]);
    this.metrics.cacheReads.inc({ type, result: read.status });
    if (!read.value) throw new NotFoundError(`No ${type} '${id}'.`);
    return {
      resource: presentResource(resolved.adapter, type, read.value, activeTaskId),
      stale: read.status === 'stale',
      observedAt: read.observedAt,
    };
  }

  /** Items a backend's answer brought that its adapter left out: counted and logged once per backend read. */
  private counted<R>(provider: string, type: ResourceType, answer: Listed<R>): Listed<R> {
    if (answer.skipped.length) {
      this.metrics.backendItemsSkipped.inc({ provider, type }, answer.skipped.length);
      this.logger.warn(
        `${provider}: ${answer.skipped.length} ${type} item(s) left out of the backend's answer; first: ${answer.skipped[0].reason}`,
      );
    }
    return answer;
  }

  /** Anything but a GatewayError is the gateway's own fault: logged with its stack, shown as `internal`. */
  private asProblemCause(provider: string, type: ResourceType, error: unknown): GatewayError {
    if (error instanceof GatewayError) return error;
    this.logger.error(`${provider}: reading ${type}s failed`, (error as Error)?.stack);
    return new GatewayError('internal', `The gateway failed to read this connection's ${type}s.`, {
      provider,
      cause: error,
    });
  }

  /** Adds `activeTaskId` from the resource locks (one Redis round trip for the page) and `allowedActions`. */
  private async present<T extends ResourceType>(
    type: T,
    items: ResourceByType[T][],
  ): Promise<ViewByType[T][]> {
    const active = await this.tasks.activeTaskIds(items.map((item) => item.id));
    return items.map((item, i) =>
      presentResource(this.registry.require(item.provider), type, item, active[i]),
    );
  }
}
