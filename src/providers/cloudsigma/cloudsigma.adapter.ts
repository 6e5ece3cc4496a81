import { ProviderError } from '../../common/errors/gateway-error';
import type { ConnectionConfig } from '../../config/gateway-config';
import { ProviderKind } from '../../domain/states';
import type {
  CatalogPort,
  IpReader,
  NetworkReader,
  OperationPlans,
  ServerReader,
  VolumeReader,
} from '../ports/ports';
import type { AdapterDeps, AdapterFeatures, ProviderAdapter } from '../ports/provider-adapter';
import { CLOUDSIGMA_ACTIONS } from './cloudsigma.actions';
import { ServerCreateOptions, ServerRebuildOptions, VolumeCreateOptions } from './cloudsigma.options';
import { parseCloudsigmaError } from './client/errors';
import { CloudsigmaClient } from './client/http.client';
import { CloudsigmaDrive, CloudsigmaServer } from './client/wire';
import { locationOf } from './model/sizing';
import { CloudsigmaCatalog } from './plans/catalog';
import type { CloudsigmaContext } from './plans/context';
import { CloudsigmaIpPlans, CloudsigmaIpReader } from './plans/ips';
import { CloudsigmaNetworkPlans, CloudsigmaNetworkReader } from './plans/networks';
import { fetchDrives, fetchServers, PolledReader } from './plans/reads';
import { CloudsigmaServerPlans, CloudsigmaServerReader } from './plans/servers';
import { CloudsigmaVolumePlans, CloudsigmaVolumeReader } from './plans/volumes';

export interface CloudsigmaConnection extends ConnectionConfig {
  endpoint: string;
  email: string;
  password: string;
  deleteDrives: boolean;
  shutdownTimeoutSeconds: number;
}

/**
 * CloudSigma API 1.0 (text/plain key-value, HTTP Basic): one account in one location per connection
 * (src/providers/cloudsigma/README.md). Wiring only: the client, the context the plan files share, the readers
 * and the operations this backend can do.
 */
export class CloudsigmaAdapter implements ProviderAdapter {
  readonly kind = ProviderKind.Cloudsigma;
  readonly name: string;
  readonly servers: ServerReader;
  readonly volumes: VolumeReader;
  readonly networks: NetworkReader;
  readonly ips: IpReader;
  readonly catalog: CatalogPort;
  readonly optionSchemas = {
    'server.create': ServerCreateOptions,
    'server.rebuild': ServerRebuildOptions,
    'volume.create': VolumeCreateOptions,
  };
  /**
   * Labels of servers and drives are `user:` metadata lines; VLANs and static IPs keep none. 1.0 has no user-data
   * and no SSH keys (docs/providers/cloudsigma.md#labels, #user-data, #ssh-keys).
   */
  readonly features: AdapterFeatures = {
    nativeLabels: ['server', 'volume'],
    reasons: {
      labels:
        'CloudSigma 1.0 keeps labels of servers and drives as user:<key> metadata; VLANs (a name only) and static IPs (no change call at all) have no metadata, so the gateway keeps their labels',
      userData:
        'CloudSigma API 1.0 has no user-data or cloud-init field: server create takes none, and the cloudinit-user-data meta key (base64_fields) and the server context that reads it are API 2.0 only',
      sshKeyIds: 'CloudSigma API 1.0 keeps no SSH keys (key pairs came with API 2.0)',
      sshPublicKeys:
        'CloudSigma API 1.0 cannot install SSH keys on a server: use an image that has them, or VNC',
    },
  };
  readonly unsupportedReasons = {
    'sshKey.create': 'CloudSigma API 1.0 keeps no SSH keys (key pairs came with API 2.0)',
    'sshKey.delete': 'CloudSigma API 1.0 keeps no SSH keys (key pairs came with API 2.0)',
    'network.relabel': 'a CloudSigma 1.0 VLAN has a name only, no metadata: the gateway keeps its labels',
    'ip.relabel': 'a CloudSigma 1.0 static IP cannot be changed at all: the gateway keeps its labels',
  };
  readonly actions = CLOUDSIGMA_ACTIONS;
  readonly plans: OperationPlans = {
    'server.create': (r) => this.serverPlans.create(r),
    'server.start': (r) => this.serverPlans.start(r),
    'server.stop': (r) => this.serverPlans.stop(r),
    'server.reboot': (r) => this.serverPlans.reboot(r),
    'server.rename': (r) => this.serverPlans.rename(r),
    'server.resize': (r) => this.serverPlans.resize(r),
    'server.rebuild': (r) => this.serverPlans.rebuild(r),
    'server.relabel': (r) => this.serverPlans.relabel(r),
    'server.delete': (r) => this.serverPlans.delete(r),
    'volume.create': (r) => this.volumePlans.create(r),
    'volume.delete': (r) => this.volumePlans.delete(r),
    'volume.attach': (r) => this.volumePlans.attach(r),
    'volume.detach': (r) => this.volumePlans.detach(r),
    'volume.resize': (r) => this.volumePlans.resize(r),
    'volume.relabel': (r) => this.volumePlans.relabel(r),
    'network.create': (r) => this.networkPlans.create(r),
    'network.delete': (r) => this.networkPlans.delete(r),
    'ip.allocate': (r) => this.ipPlans.allocate(r),
    'ip.release': (r) => this.ipPlans.release(r),
    'ip.attach': (r) => this.ipPlans.attach(r),
    'ip.detach': (r) => this.ipPlans.detach(r),
  };
  private readonly client: CloudsigmaClient;
  private readonly serverPlans: CloudsigmaServerPlans;
  private readonly volumePlans: CloudsigmaVolumePlans;
  private readonly networkPlans: CloudsigmaNetworkPlans;
  private readonly ipPlans: CloudsigmaIpPlans;

  constructor(config: CloudsigmaConnection, deps: AdapterDeps) {
    this.name = config.name;
    const http = deps.http({
      connection: config.name,
      kind: this.kind,
      baseUrl: config.endpoint,
      tuning: config,
      parseError: parseCloudsigmaError,
      // The answer is text whatever Accept says; ask for it explicitly anyway
      // (docs/providers/cloudsigma.md#transport-and-auth).
      defaultHeaders: {
        Authorization: `Basic ${Buffer.from(`${config.email}:${config.password}`, 'utf8').toString('base64')}`,
        Accept: 'text/plain',
      },
    });
    this.client = new CloudsigmaClient(http);
    const context: CloudsigmaContext = {
      client: this.client,
      map: {
        location: locationOf(config.endpoint),
        onUnknownState: (resource, raw) => deps.onUnknownState(resource, raw),
      },
      backoff: { initialMs: config.pollIntervalMs, maxMs: config.maxPollIntervalMs },
      servers: new PolledReader(
        deps.polls,
        'servers',
        config.pollIntervalMs,
        () => fetchServers(context),
        CloudsigmaServer,
      ),
      drives: new PolledReader(
        deps.polls,
        'drives',
        config.pollIntervalMs,
        () => fetchDrives(context),
        CloudsigmaDrive,
      ),
      limits: { maxItems: config.maxListItems },
      shutdownGraceMs: config.shutdownTimeoutSeconds * 1000,
      deleteDrives: config.deleteDrives,
      claims: deps.claims,
    };
    this.servers = new CloudsigmaServerReader(context);
    this.volumes = new CloudsigmaVolumeReader(context);
    this.networks = new CloudsigmaNetworkReader(context);
    this.ips = new CloudsigmaIpReader(context);
    this.catalog = new CloudsigmaCatalog(context);
    this.serverPlans = new CloudsigmaServerPlans(context);
    this.volumePlans = new CloudsigmaVolumePlans(context);
    this.networkPlans = new CloudsigmaNetworkPlans(context);
    this.ipPlans = new CloudsigmaIpPlans(context);
  }

  /** The account profile: the cheapest read that proves reachability and the credentials. */
  async probe(): Promise<void> {
    const profile = await this.client.object('/profile/info', 'uuid', 'profile.get');
    if (!profile) throw new ProviderError('CloudSigma answered /profile/info without the account.');
  }
}
