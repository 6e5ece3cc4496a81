import { Controller, Get, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { SnapshotCache } from '../../cache/snapshot-cache.service';
import { UnsupportedOperationError } from '../../common/errors/gateway-error';
import { Call, type HttpCall } from '../../common/http/call.decorator';
import { ReadEndpoint } from '../../common/swagger/endpoints.decorator';
import { unsupportedReason } from '../../providers/registry/action-policy';
import { ACTION_NAMES, ACTIONS } from '../../providers/ports/actions';
import { OPERATION_NAMES } from '../../providers/ports/operations';
import type { Connection } from '../../providers/registry/connection';
import type { NormalizedCatalog } from '../../providers/ports/ports';
import { ProviderRegistry } from '../../providers/registry/provider-registry.service';
import { NO_OPTIONS } from '../../application/provider-options.validator';
import { ResourceAccess } from '../../application/resource-access.service';
import { ProviderHealth, ProviderHealthRecord } from './provider-health.service';
import { ImageList, LocationList, PlanList, Provider, ProviderDetail, ProviderList } from './providers.dto';

@ApiTags('providers')
@ApiBearerAuth()
@Controller('v1/providers')
export class ProvidersController {
  constructor(
    private readonly registry: ProviderRegistry,
    private readonly access: ResourceAccess,
    private readonly health: ProviderHealth,
    private readonly cache: SnapshotCache,
  ) {}

  /**
   * List provider connections
   * @remarks The connections the API key may see, with reachability (checked in the background) and capabilities.
   */
  @Get()
  @ReadEndpoint('listProviders', ProviderList)
  async list(@Call() { caller }: HttpCall): Promise<ProviderList> {
    const adapters = caller.visible(this.registry.names()).map((name) => this.registry.require(name));
    const health = await this.health.read(adapters.map((a) => a.name));
    return { items: adapters.map((adapter, i) => this.describe(adapter, health[i])) };
  }

  /**
   * Get a provider connection
   * @remarks Every operation of the API, whether this connection supports it (and why not), and the JSON Schema of the `providerOptions` it accepts; and every action on existing resources, as `allowedActions` names them, with the same verdict on support.
   */
  @Get(':name')
  @ReadEndpoint('getProvider', ProviderDetail)
  async get(@Call() { caller }: HttpCall, @Param('name') name: string): Promise<ProviderDetail> {
    const adapter = this.access.connection(caller, name);
    const [health] = await this.health.read([adapter.name]);
    return {
      ...this.describe(adapter, health),
      operations: OPERATION_NAMES.map((operation) =>
        adapter.can(operation)
          ? {
              operation,
              supported: true,
              providerOptionsSchema: {
                ...(adapter.optionSchemas?.[operation] ?? NO_OPTIONS),
                additionalProperties: false,
              },
            }
          : {
              operation,
              supported: false,
              reason: adapter.unsupportedReasons?.[operation] ?? 'not supported by this provider',
            },
      ),
      actions: ACTION_NAMES.map((action) => {
        const { type, operation } = ACTIONS[action];
        const reason = unsupportedReason(adapter, action);
        return reason === null
          ? { action, resourceType: type, operation, supported: true }
          : { action, resourceType: type, operation, supported: false, reason };
      }),
    };
  }

  /**
   * List images of a provider connection
   * @remarks Images, templates or OS installs that servers of this connection can be built from.
   */
  @Get(':name/images')
  @ReadEndpoint('listProviderImages', ImageList, 501, 502, 503, 504)
  async images(@Call() { caller }: HttpCall, @Param('name') name: string): Promise<ImageList> {
    return { items: await this.catalog(this.access.connection(caller, name), 'images') };
  }

  /**
   * List plans of a provider connection
   * @remarks Server sizes: offerings, plans, or bare-metal configurations with the stock left.
   */
  @Get(':name/plans')
  @ReadEndpoint('listProviderPlans', PlanList, 501, 502, 503, 504)
  async plans(@Call() { caller }: HttpCall, @Param('name') name: string): Promise<PlanList> {
    return { items: await this.catalog(this.access.connection(caller, name), 'plans') };
  }

  /**
   * List locations of a provider connection
   * @remarks Zones, regions or data centres.
   */
  @Get(':name/locations')
  @ReadEndpoint('listProviderLocations', LocationList, 501, 502, 503, 504)
  async locations(@Call() { caller }: HttpCall, @Param('name') name: string): Promise<LocationList> {
    return { items: await this.catalog(this.access.connection(caller, name), 'locations') };
  }

  private async catalog<K extends keyof NormalizedCatalog>(
    adapter: Connection,
    what: K,
  ): Promise<Awaited<ReturnType<NonNullable<NormalizedCatalog[K]>>>> {
    const load = adapter.catalog?.[what];
    if (!load) throw new UnsupportedOperationError(adapter.name, `catalog.${what}`);
    return this.cache.catalog(
      adapter.name,
      what,
      () => load.call(adapter.catalog) as Promise<Awaited<ReturnType<NonNullable<NormalizedCatalog[K]>>>>,
    );
  }

  private describe(adapter: Connection, health: ProviderHealthRecord): Provider {
    return {
      name: adapter.name,
      kind: adapter.kind,
      status: health.status,
      lastCheckedAt: health.lastCheckedAt,
      ...(health.statusDetail ? { statusDetail: health.statusDetail } : {}),
      capabilities: [...adapter.capabilities],
    };
  }
}
