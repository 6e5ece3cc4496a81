import { ProviderError } from '../../common/errors/gateway-error';
import type { ConnectionConfig } from '../../config/gateway-config';
import { ProviderKind } from '../../domain/states';
import type { AdapterDeps, ProviderAdapter } from '../ports/provider-adapter';
import { CLOUDSIGMA_ACTIONS } from './cloudsigma.actions';
import { CloudsigmaCatalog } from './cloudsigma-catalog.service';
import { parseCloudsigmaError } from './cloudsigma-error.parser';
import { CloudsigmaClient } from './cloudsigma-http.client';
import { CloudsigmaIps } from './cloudsigma-ips.service';
import { CloudsigmaNetworks } from './cloudsigma-networks.service';
import { CloudsigmaServers } from './cloudsigma-servers.service';
import { locationOf } from './cloudsigma-sizing';
import { CloudsigmaVolumes } from './cloudsigma-volumes.service';
import { type CloudsigmaContext, fetchDrives, fetchServers } from './cloudsigma.context';
import { PolledReader } from './cloudsigma-readers';
import { CloudsigmaDrive, CloudsigmaServer } from './cloudsigma.wire';
import { ServerCreateOptions, VolumeCreateOptions } from './cloudsigma.options';

export interface CloudsigmaConnection extends ConnectionConfig {
  endpoint: string;
  email: string;
  password: string;
  deleteDrives?: boolean;
  shutdownTimeoutSeconds?: number;
}

/** CloudSigma API 1.0 (text/plain key-value, HTTP Basic): one account in one location per connection. */
export class CloudsigmaAdapter implements ProviderAdapter {
  readonly kind = ProviderKind.Cloudsigma;
  readonly name: string;
  readonly servers: CloudsigmaServers;
  readonly volumes: CloudsigmaVolumes;
  readonly networks: CloudsigmaNetworks;
  readonly ips: CloudsigmaIps;
  readonly catalog: CloudsigmaCatalog;
  readonly optionSchemas = {
    'server.create': ServerCreateOptions,
    'volume.create': VolumeCreateOptions,
  };
  readonly actions = CLOUDSIGMA_ACTIONS;
  private readonly client: CloudsigmaClient;

  constructor(config: CloudsigmaConnection, deps: AdapterDeps) {
    this.name = config.name;
    const http = deps.http({
      connection: config.name,
      kind: this.kind,
      baseUrl: config.endpoint,
      tuning: config,
      parseError: parseCloudsigmaError,
      // The answer is text whatever Accept says (reference §1 [I]); ask for it explicitly anyway.
      defaultHeaders: {
        Authorization: `Basic ${Buffer.from(`${config.email}:${config.password}`, 'utf8').toString('base64')}`,
        Accept: 'text/plain',
      },
    });
    this.client = new CloudsigmaClient(http);
    const context: CloudsigmaContext = {
      client: this.client,
      map: {
        connection: config.name,
        location: locationOf(config.endpoint),
        onUnknownState: (resource, raw) => deps.onUnknownState(resource, raw),
      },
      backoff: { initialMs: config.pollIntervalMs, maxMs: config.maxPollIntervalMs },
      servers: new PolledReader(() => fetchServers(context), CloudsigmaServer),
      drives: new PolledReader(() => fetchDrives(context), CloudsigmaDrive),
      limits: { maxItems: config.maxListItems },
      shutdownGraceMs: (config.shutdownTimeoutSeconds ?? 120) * 1000,
      deleteDrives: config.deleteDrives ?? false,
      claims: deps.claims,
    };
    this.servers = new CloudsigmaServers(context);
    this.volumes = new CloudsigmaVolumes(context);
    this.networks = new CloudsigmaNetworks(context);
    this.ips = new CloudsigmaIps(context);
    this.catalog = new CloudsigmaCatalog(context);
  }

  /** The account profile: the cheapest read that proves reachability and the credentials. */
  async probe(): Promise<void> {
    const profile = await this.client.object('/profile/info', 'uuid', 'profile.get');
    if (!profile) throw new ProviderError('CloudSigma answered /profile/info without the account.');
  }
}
