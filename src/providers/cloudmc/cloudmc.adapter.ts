import type { ConnectionConfig } from '../../config/gateway-config';
import { ProviderKind } from '../../domain/states';
import type {
  CatalogPort,
  IpReader,
  NetworkReader,
  OperationPlans,
  ServerReader,
  SshKeyReader,
  VolumeReader,
} from '../ports/ports';
import type { OperationName } from '../ports/operations';
import type { AdapterDeps, AdapterFeatures, ProviderAdapter } from '../ports/provider-adapter';
import { CLOUDMC_ACTIONS } from './cloudmc.actions';
import {
  IpAllocateOptions,
  NetworkCreateOptions,
  ServerCreateOptions,
  VolumeCreateOptions,
} from './cloudmc.options';
import { parseCloudmcError } from './client/errors';
import { CloudmcClient } from './client/http.client';
import { CloudmcCatalog } from './plans/catalog';
import type { CloudmcContext } from './plans/context';
import { CloudmcIpPlans, CloudmcIpReader } from './plans/ips';
import { CloudmcNetworkPlans, CloudmcNetworkReader } from './plans/networks';
import { CloudmcPolls } from './plans/reads';
import { USER_DATA_MAX_BYTES } from './plans/create.steps';
import { CloudmcServerPlans, CloudmcServerReader } from './plans/servers';
import { CloudmcSshKeyPlans, CloudmcSshKeyReader } from './plans/ssh-keys';
import { CloudmcVolumePlans, CloudmcVolumeReader } from './plans/volumes';

export interface CloudmcConnection extends ConnectionConfig {
  endpoint: string;
  apiKey: string;
  serviceCode: string;
  environment: string;
  orgId?: string;
  purgeOnDelete: boolean;
}

const GATEWAY_LABELS =
  "CloudMC's API keeps no tags or labels on instances, volumes, networks or public IPs: the gateway keeps them.";

/**
 * What CloudMC takes beyond the operations (docs/providers/cloudmc.md): user data on create (plain text, CloudMC
 * encodes it), one SSH key by name (`sshKeyIds`) or as text (`sshPublicKeys`); labels stay with the gateway.
 */
export const CLOUDMC_FEATURES: AdapterFeatures = {
  userData: { maxBytes: USER_DATA_MAX_BYTES },
  sshKeyIds: true,
  sshPublicKeys: true,
  nativeLabels: [],
  reasons: { labels: GATEWAY_LABELS },
};

/** Operations CloudMC's API lacks, with why (docs/providers/cloudmc.md#rebuild and #labels). */
export const CLOUDMC_UNSUPPORTED: Partial<Record<OperationName, string>> = {
  'server.rebuild':
    "CloudMC's API has no reinstall of an instance (no restore or reset operation): create a new server instead.",
  'server.relabel': GATEWAY_LABELS,
  'volume.relabel': GATEWAY_LABELS,
  'network.relabel': GATEWAY_LABELS,
  'ip.relabel': GATEWAY_LABELS,
};

/**
 * CloudMC API v2, CloudStack plugin: one service connection and environment per gateway connection. Wiring only:
 * the client, the context every plan receives, the readers and the plans of each operation CloudMC can do.
 */
export class CloudmcAdapter implements ProviderAdapter {
  readonly kind = ProviderKind.Cloudmc;
  readonly name: string;
  readonly servers: ServerReader;
  readonly volumes: VolumeReader;
  readonly networks: NetworkReader;
  readonly ips: IpReader;
  readonly sshKeys: SshKeyReader;
  readonly catalog: CatalogPort;
  readonly features = CLOUDMC_FEATURES;
  /** Data volumes are created attached to an instance (docs/providers/cloudmc.md#volumes). */
  readonly requestRules = { 'volume.create': { required: ['serverId'] } };
  readonly unsupportedReasons = CLOUDMC_UNSUPPORTED;
  readonly plans: OperationPlans;
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
      // GO and JS send the JSON content type on every call, GETs included (docs/providers/cloudmc.md#conventions).
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
      map: { onUnknownState: (resource, raw) => deps.onUnknownState(resource, raw) },
      backoff: { initialMs: config.pollIntervalMs, maxMs: config.maxPollIntervalMs },
      polled: new CloudmcPolls(this.client, deps.polls, config.pollIntervalMs),
      purgeOnDelete: config.purgeOnDelete,
      maxListItems: config.maxListItems,
      logger: deps.logger,
    };
    this.servers = new CloudmcServerReader(context);
    this.volumes = new CloudmcVolumeReader(context);
    this.networks = new CloudmcNetworkReader(context);
    this.ips = new CloudmcIpReader(context);
    this.sshKeys = new CloudmcSshKeyReader(context);
    this.catalog = new CloudmcCatalog(context);

    const servers = new CloudmcServerPlans(context);
    const volumes = new CloudmcVolumePlans(context);
    const networks = new CloudmcNetworkPlans(context);
    const ips = new CloudmcIpPlans(context);
    const sshKeys = new CloudmcSshKeyPlans(context);
    this.plans = {
      'server.create': (r) => servers.create(r),
      'server.start': (r) => servers.start(r),
      'server.stop': (r) => servers.stop(r),
      'server.reboot': (r) => servers.reboot(r),
      'server.rename': (r) => servers.rename(r),
      'server.resize': (r) => servers.resize(r),
      'server.delete': (r) => servers.delete(r),
      'volume.create': (r) => volumes.create(r),
      'volume.delete': (r) => volumes.delete(r),
      'volume.attach': (r) => volumes.attach(r),
      'volume.detach': (r) => volumes.detach(r),
      'volume.resize': (r) => volumes.resize(r),
      'network.create': (r) => networks.create(r),
      'network.delete': (r) => networks.delete(r),
      'ip.allocate': (r) => ips.allocate(r),
      'ip.release': (r) => ips.release(r),
      'ip.attach': (r) => ips.attach(r),
      'ip.detach': (r) => ips.detach(r),
      'sshKey.create': (r) => sshKeys.create(r),
      'sshKey.delete': (r) => sshKeys.delete(r),
    };
  }

  /** Listing zones is the cheapest call that proves both reachability and the key's rights on the environment. */
  async probe(): Promise<void> {
    await this.client.list('zones');
  }
}
