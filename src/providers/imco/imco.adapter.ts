import type { ConnectionConfig } from '../../config/gateway-config';
import { ProviderKind } from '../../domain/states';
import type { ActionRules } from '../ports/actions';
import type { AdapterDeps, ProviderAdapter } from '../ports/provider-adapter';
import { ImcoCatalog } from './imco-catalog.service';
import { parseImcoError } from './imco-error.parser';
import { ImcoClient } from './imco-http.client';
import { ImcoIps } from './imco-ips.service';
import { ImcoNetworks } from './imco-networks.service';
import { ImcoReaders, PlanCache } from './imco-readers';
import { ImcoServers } from './imco-servers.service';
import { imcoActions } from './imco.actions';
import { ImcoTls, type ImcoTlsFiles } from './imco-tls.loader';
import { diagnoseHandshake, mayHideRefusedCertificate } from './imco-tls.probe';
import { ImcoVolumes } from './imco-volumes.service';
import type { ImcoContext } from './imco.context';
import {
  IpAllocateOptions,
  NetworkCreateOptions,
  ServerCreateOptions,
  VolumeCreateOptions,
} from './imco.options';

export interface ImcoConnection extends ConnectionConfig {
  endpoint: string;
  tls: ImcoTlsFiles;
  discardOnDelete: boolean;
  overrideStalled: boolean;
}

/** The endpoint carries the API version; one without a path gets `/v3`, as the CLI does (reference §1). */
export function normalizeEndpoint(endpoint: string): string {
  const url = new URL(endpoint);
  const path = url.pathname.replace(/\/+$/, '');
  return `${url.origin}${path || '/v3'}`;
}

/** Polls of tasks arriving within this window share one list call; small next to the poll interval. */
function coalescingWindowMs(pollIntervalMs: number): number {
  return Math.min(250, Math.max(10, Math.round(pollIntervalMs / 4)));
}

/** IMCO API v2/v3 over mutual TLS: one user's API key (client certificate) per gateway connection. */
export class ImcoAdapter implements ProviderAdapter {
  readonly kind = ProviderKind.Imco;
  readonly name: string;
  readonly servers: ImcoServers;
  readonly volumes: ImcoVolumes;
  readonly networks: ImcoNetworks;
  readonly ips: ImcoIps;
  readonly catalog: ImcoCatalog;
  readonly optionSchemas = {
    'server.create': ServerCreateOptions,
    'volume.create': VolumeCreateOptions,
    'network.create': NetworkCreateOptions,
    'ip.allocate': IpAllocateOptions,
  };
  readonly actions: ActionRules;
  private readonly client: ImcoClient;
  private readonly tls: ImcoTls;

  constructor(config: ImcoConnection, deps: AdapterDeps) {
    this.name = config.name;
    this.actions = imcoActions({ overrideStalled: config.overrideStalled });
    const endpoint = normalizeEndpoint(config.endpoint);
    // Reads and checks the PEM files now: a bad file stops the start-up with a message naming it.
    this.tls = new ImcoTls(
      config.name,
      config.tls,
      { maxSockets: config.concurrency, drainMs: config.timeoutMs + 1_000 },
      deps.logger,
    );
    const http = deps.http({
      connection: config.name,
      kind: this.kind,
      baseUrl: endpoint,
      tuning: config,
      parseError: parseImcoError,
      defaultHeaders: { Accept: 'application/json' },
      httpsAgent: () => this.tls.agent(),
      explainTransportFailure: async (error) =>
        mayHideRefusedCertificate(error)
          ? diagnoseHandshake(endpoint, this.tls.pem, config.name, config.timeoutMs)
          : null,
    });
    this.client = new ImcoClient(http);
    const context: ImcoContext = {
      client: this.client,
      map: { connection: config.name, onUnknownState: (resource, raw) => deps.onUnknownState(resource, raw) },
      backoff: { initialMs: config.pollIntervalMs, maxMs: config.maxPollIntervalMs },
      readers: new ImcoReaders(this.client, coalescingWindowMs(config.pollIntervalMs)),
      limits: { maxItems: config.maxListItems },
      plans: new PlanCache(this.client),
      discardOnDelete: config.discardOnDelete,
      overrideStalled: config.overrideStalled,
    };
    this.servers = new ImcoServers(context);
    this.volumes = new ImcoVolumes(context);
    this.networks = new ImcoNetworks(context);
    this.ips = new ImcoIps(context);
    this.catalog = new ImcoCatalog(context);
  }

  /** `GET /ping` under the version prefix: the documented check of credentials and reachability. */
  async probe(): Promise<void> {
    await this.client.get('/ping', 'ping');
  }

  async close(): Promise<void> {
    this.tls.close();
  }
}
