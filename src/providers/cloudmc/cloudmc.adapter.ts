import type { ConnectionConfig } from '../../config/gateway-config';
import { ProviderKind } from '../../domain/states';
import type { AdapterDeps, ProviderAdapter } from '../ports/provider-adapter';
import { CLOUDMC_ACTIONS } from './cloudmc.actions';
import { CloudmcCatalog } from './cloudmc-catalog.service';
import { parseCloudmcError } from './cloudmc-error.parser';
import { CloudmcClient } from './cloudmc-http.client';
import { CloudmcIps } from './cloudmc-ips.service';
import { CloudmcNetworks } from './cloudmc-networks.service';
import { CloudmcServers } from './cloudmc-servers.service';
import { CloudmcVolumes } from './cloudmc-volumes.service';
import type { CloudmcContext } from './cloudmc.context';
import {
  IpAllocateOptions,
  NetworkCreateOptions,
  ServerCreateOptions,
  VolumeCreateOptions,
} from './cloudmc.options';

export interface CloudmcConnection extends ConnectionConfig {
  endpoint: string;
  apiKey: string;
  serviceCode: string;
  environment: string;
  orgId?: string;
  purgeOnDelete: boolean;
}

/** `maxListItems` when the config leaves it out (the schema's default). */
const DEFAULT_MAX_LIST_ITEMS = 10_000;

/** CloudMC API v2, CloudStack plugin: one service connection and environment per gateway connection. */
export class CloudmcAdapter implements ProviderAdapter {
  readonly kind = ProviderKind.Cloudmc;
  readonly name: string;
  readonly servers: CloudmcServers;
  readonly volumes: CloudmcVolumes;
  readonly networks: CloudmcNetworks;
  readonly ips: CloudmcIps;
  readonly catalog: CloudmcCatalog;
  readonly optionSchemas = {
    'server.create': ServerCreateOptions,
    'volume.create': VolumeCreateOptions,
    'network.create': NetworkCreateOptions,
    'ip.allocate': IpAllocateOptions,
  };
  readonly actions = CLOUDMC_ACTIONS;
  private readonly client: CloudmcClient;

  constructor(config: CloudmcConnection, deps: AdapterDeps) {
    this.name = config.name;
    const http = deps.http({
      connection: config.name,
      kind: this.kind,
      baseUrl: config.endpoint,
      tuning: config,
      parseError: parseCloudmcError,
      secretHeaders: ['MC-Api-Key'],
      // GO and JS send the JSON content type on every call, GETs included (docs/providers/cloudmc.md §1).
      defaultHeaders: {
        'MC-Api-Key': config.apiKey,
        'Content-Type': 'application/json',
        Accept: 'application/json',
      },
    });
    this.client = new CloudmcClient(http, {
      serviceCode: config.serviceCode,
      environment: config.environment,
      orgId: config.orgId,
    });
    const context: CloudmcContext = {
      client: this.client,
      map: { connection: config.name, onUnknownState: (resource, raw) => deps.onUnknownState(resource, raw) },
      backoff: { initialMs: config.pollIntervalMs, maxMs: config.maxPollIntervalMs },
      purgeOnDelete: config.purgeOnDelete,
      maxListItems: config.maxListItems ?? DEFAULT_MAX_LIST_ITEMS,
      logger: deps.logger,
    };
    this.servers = new CloudmcServers(context);
    this.volumes = new CloudmcVolumes(context);
    this.networks = new CloudmcNetworks(context);
    this.ips = new CloudmcIps(context);
    this.catalog = new CloudmcCatalog(context);
  }

  /** Listing zones is the cheapest call that proves both reachability and the key's rights on the environment. */
  async probe(): Promise<void> {
    await this.client.list('zones');
  }
}
