import { Injectable } from '@nestjs/common';
import { SnapshotCache, SnapshotRead } from '../../cache/snapshot-cache.service';
import type { Caller } from '../../common/auth/caller';
import { GatewayError, NotFoundError } from '../../common/errors/gateway-error';
import { problemFromGatewayError } from '../../common/errors/problem.mapper';
import { parseResourceId } from '../../common/ids/resource-id';
import { MetricsService } from '../../common/metrics/metrics.service';
import { decodePageToken, encodePageToken } from '../../common/pagination/page-token';
import type { ResourceByType } from '../../domain/resource';
import type { ViewByType } from '../../domain/resource-views.dto';
import { ResourceType } from '../../domain/states';
import { PORT_OF_TYPE } from '../../providers/ports/capabilities';
import type { ResourceReader as ReaderPort } from '../../providers/ports/ports';
import { ProviderRegistry } from '../../providers/registry/provider-registry.service';
import { GATEWAY_CONFIG, type GatewayConfig } from '../../config/gateway-config';
import { TaskStore } from '../../tasks/task-store.service';
import { Inject } from '@nestjs/common';
import { ProviderListState, ProviderListStatus } from './list.dto';
import { ResourceAccess } from './resource-access.service';
import { presentResource } from './resource-presenter';

export interface ListParams {
  provider?: string;
  state?: string;
  name?: string;
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

/**
 * Reads of every resource type: fan-out lists over the caller's connections with a per-provider deadline and
 * honest partial results, and single reads through the snapshot cache.
 */
@Injectable()
export class ResourceReaderService {
  constructor(
    private readonly registry: ProviderRegistry,
    private readonly access: ResourceAccess,
    private readonly cache: SnapshotCache,
    private readonly tasks: TaskStore,
    private readonly metrics: MetricsService,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  async list<T extends ResourceType>(
    type: T,
    caller: Caller,
    params: ListParams,
    requestId: string,
    fresh = false,
  ): Promise<ListResult<ViewByType[T]>> {
    const pageSize = params.pageSize ?? 100;
    const query = { provider: params.provider, state: params.state, name: params.name?.toLowerCase() };
    const after = decodePageToken(params.pageToken, query, (cursor) => parseResourceId(cursor) !== null);
    const afterRef = after ? parseResourceId(after) : null;
    const connections = params.provider
      ? [this.access.connection(caller, params.provider)]
      : caller.visible(this.registry.names()).map((name) => this.registry.require(name));
    const readable = connections.filter((adapter) => adapter[PORT_OF_TYPE[type]]);

    const reads = await Promise.all(
      readable.map(async (adapter) => {
        const port = adapter[PORT_OF_TYPE[type]] as ReaderPort<ResourceByType[T]>;
        const deadline = this.config.providers.find((p) => p.name === adapter.name)?.listDeadlineMs ?? 5_000;
        try {
          const read = await this.cache.list(adapter.name, type, () => port.list(), deadline, fresh);
          this.metrics.cacheReads.inc({ type, result: read.status });
          return { adapter, read };
        } catch (error) {
          if (!(error instanceof GatewayError)) throw error;
          this.metrics.cacheReads.inc({ type, result: 'error' });
          return { adapter, error };
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
      return {
        provider: r.adapter.name,
        status: read.status === 'stale' ? ProviderListState.Stale : ProviderListState.Ok,
        ...(read.error ? { error: problemOf(read.error) } : {}),
        observedAt: read.observedAt,
      };
    });

    const needle = query.name;
    const all = reads
      .flatMap((r) => ('read' in r && r.read ? r.read.value : []))
      .filter((item) => !params.state || (item.state as string) === params.state)
      .filter((item) => !needle || item.name.toLowerCase().includes(needle))
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
    const port = this.access.port(resolved.adapter, type) as ReaderPort<ResourceByType[T]>;
    // The lock lookup goes out with the cache read (same round trip with auto-pipelining).
    const [read, [activeTaskId]] = await Promise.all([
      this.cache.item(resolved.connection, type, resolved.nativeId, () => port.get(resolved.nativeId), fresh),
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
