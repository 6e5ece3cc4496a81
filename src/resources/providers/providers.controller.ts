import { Controller, Get, Inject, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { SnapshotCache } from '../../cache/snapshot-cache.service';
import { UnsupportedOperationError } from '../../common/errors/gateway-error';
import { Call, type HttpCall } from '../../common/http/call.decorator';
import { ReadEndpoint } from '../../common/swagger/endpoints.decorator';
import { unsupportedReason } from '../../providers/registry/action-policy';
import { ACTION_NAMES, ACTIONS } from '../../providers/ports/actions';
import { OPERATION_NAMES } from '../../providers/ports/operations';
import { GATEWAY_CONFIG, type GatewayConfig } from '../../config/gateway-config';
import { deadlineCeiling, defaultDeadline } from '../../application/deadline-limits';
import type { Connection } from '../../providers/registry/connection';
import type { NormalizedCatalog } from '../../providers/ports/ports';
import { ProviderRegistry } from '../../providers/registry/provider-registry.service';
import { NO_OPTIONS } from '../../application/provider-options.validator';
import { featureReason } from '../../application/request-features';
import { RequestSchemas } from '../../application/request-schemas';
import { LABELED_TYPES } from '../../domain/labels';
import { PORT_OF_TYPE } from '../../providers/registry/capabilities';
import { ResourceAccess } from '../../application/resource-access.service';
import { ProviderHealth, ProviderHealthRecord } from './provider-health.service';
import {
  type FeatureSupport,
  ImageList,
  LabelStorage,
  type LabelStorageByType,
  LocationList,
  PlanList,
  Provider,
  ProviderDetail,
  type ProviderFeatures,
  type ProviderLabels,
  ProviderList,
  type OperationDeadline,
} from './providers.dto';

/** Who keeps each type's labels; the summary counts the types the connection reads (all four if none). */
function labelsOf(adapter: Connection): ProviderLabels {
  const byType = Object.fromEntries(
    LABELED_TYPES.map((type) => [type, adapter.labelStorage(type) as LabelStorage]),
  ) as unknown as LabelStorageByType;
  const read = LABELED_TYPES.filter((type) => adapter[PORT_OF_TYPE[type]]);
  const kinds = new Set((read.length ? read : LABELED_TYPES).map((type) => byType[type]));
  const reason = adapter.features.reasons?.labels;
  return {
    storage: kinds.size === 1 ? [...kinds][0] : 'mixed',
    byType,
    ...(reason && kinds.has(LabelStorage.Gateway) ? { reason } : {}),
  };
}

const support = (supported: boolean, reason: string): FeatureSupport =>
  supported ? { supported } : { supported, reason };

function featuresOf(adapter: Connection): ProviderFeatures {
  const { userData, sshKeyIds, sshPublicKeys } = adapter.features;
  return {
    userData: userData
      ? { supported: true, maxBytes: userData.maxBytes }
      : { supported: false, reason: featureReason(adapter, 'userData') },
    sshKeyIds: support(!!sshKeyIds, featureReason(adapter, 'sshKeyIds')),
    sshPublicKeys: support(!!sshPublicKeys, featureReason(adapter, 'sshPublicKeys')),
  };
}

@ApiTags('providers')
@ApiBearerAuth()
@Controller('v1/providers')
export class ProvidersController {
  constructor(
    private readonly registry: ProviderRegistry,
    private readonly access: ResourceAccess,
    private readonly health: ProviderHealth,
    private readonly cache: SnapshotCache,
    private readonly requestSchemas: RequestSchemas,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
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
   * @remarks Every operation of the API, whether this connection supports it (and why not), the JSON Schema of the `providerOptions` it accepts and of the whole request body it takes (a frontend builds its form from it); every action on existing resources, as `allowedActions` names them, with the same verdict on support; who keeps the labels of each resource type; and which optional fields of a server create and rebuild (`userData`, `sshKeyIds`, `sshPublicKeys`) it takes.
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
              requestSchema: this.requestSchemas.schemaOf(adapter, operation) ?? undefined,
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
      labels: labelsOf(adapter),
      features: featuresOf(adapter),
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
      deadlines: this.deadlinesOf(adapter),
    };
  }

  /** Each operation's default and longest deadline on this connection (docs/design.md#caller-deadlines). */
  private deadlinesOf(adapter: Connection): Record<string, OperationDeadline> {
    const tasks = this.config.tasks;
    return Object.fromEntries(
      OPERATION_NAMES.filter((operation) => adapter.can(operation)).map((operation) => [
        operation,
        {
          defaultSeconds: defaultDeadline(adapter, operation, tasks),
          maxSeconds: deadlineCeiling(adapter, operation, tasks),
        },
      ]),
    );
  }
}
