import type { ConnectionConfig } from '../../config/gateway-config';
import { ProviderKind } from '../../domain/states';
import type { ActionRules } from '../ports/actions';
import type { OperationName } from '../ports/operations';
import type {
  IpReader,
  NetworkReader,
  OperationPlans,
  ServerReader,
  SshKeyReader,
  VolumeReader,
} from '../ports/ports';
import type { AdapterDeps, AdapterFeatures, ProviderAdapter } from '../ports/provider-adapter';
import { parseImcoError } from './client/errors';
import { ImcoClient } from './client/http.client';
import { ImcoTls, type ImcoTlsFiles } from './client/tls';
import { diagnoseHandshake, mayHideRefusedCertificate } from './client/tls.probe';
import { imcoActions } from './imco.actions';
import {
  IpAllocateOptions,
  NetworkCreateOptions,
  ServerCreateOptions,
  VolumeCreateOptions,
} from './imco.options';
import { ImcoCatalog } from './plans/catalog';
import type { ImcoContext } from './plans/context';
import { ImcoIpPlans, ImcoIpReader } from './plans/ips';
import { LabelBook } from './plans/labels';
import { ImcoNetworkPlans, ImcoNetworkReader } from './plans/networks';
import { ServerPlanCache } from './plans/reads';
import { ImcoServerPlans, ImcoServerReader } from './plans/servers';
import { ImcoSshKeyPlans, ImcoSshKeyReader } from './plans/ssh-keys';
import { ImcoVolumePlans, ImcoVolumeReader } from './plans/volumes';
import { PolledCollections } from './plans/wait.steps';

export interface ImcoConnection extends ConnectionConfig {
  endpoint: string;
  tls: ImcoTlsFiles;
  discardOnDelete: boolean;
  overrideStalled: boolean;
}

/**
 * The endpoint carries the API version; one without a path gets `/v3`, as IMCO's CLI does
 * (docs/providers/imco.md#endpoint-and-api-versions).
 */
export function normalizeEndpoint(endpoint: string): string {
  const url = new URL(endpoint);
  const path = url.pathname.replace(/\/+$/, '');
  return `${url.origin}${path || '/v3'}`;
}

/**
 * What IMCO takes beyond the operations (docs/providers/imco.md#labels, #user-data, #ssh-keys): labels of every
 * labelled type as IMCO labels, SSH keys as SSH profiles (by id or as public keys), no user-data.
 */
export const IMCO_FEATURES: AdapterFeatures = {
  sshKeyIds: true,
  sshPublicKeys: true,
  nativeLabels: ['server', 'volume', 'network', 'ip'],
  reasons: {
    userData:
      'IMCO takes no user-data: a server is built from a template (a generic image with Chef cookbooks and ' +
      "scripts IMCO's agent runs), and its create has no user-data or cloud-init field " +
      '(docs/providers/imco.md#user-data).',
  },
};

/** The operations IMCO cannot do, and why (docs/providers/imco.md#resize-and-rebuild). */
export const IMCO_UNSUPPORTED: Partial<Record<OperationName, string>> = {
  'server.resize':
    "IMCO has no call that changes a server's plan: its server calls are commission, boot, shutdown, " +
    'reboot, override, rename and decommission (docs/providers/imco.md#resize-and-rebuild).',
  'server.rebuild':
    'IMCO cannot reinstall a server: it keeps the template it was commissioned from; decommission it and ' +
    'create a new one (docs/providers/imco.md#resize-and-rebuild).',
  'volume.resize':
    "IMCO's volume update takes a name only: no call changes a volume's size " +
    '(docs/providers/imco.md#resize-and-rebuild).',
};

/** IMCO API v2/v3 over mutual TLS: one user's API key (client certificate) per gateway connection. */
export class ImcoAdapter implements ProviderAdapter {
  readonly kind = ProviderKind.Imco;
  readonly name: string;
  readonly servers: ServerReader;
  readonly volumes: VolumeReader;
  readonly networks: NetworkReader;
  readonly ips: IpReader;
  readonly sshKeys: SshKeyReader;
  readonly catalog: ImcoCatalog;
  readonly features = IMCO_FEATURES;
  readonly unsupportedReasons = IMCO_UNSUPPORTED;
  readonly plans: OperationPlans;
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
      map: { onUnknownState: (resource, raw) => deps.onUnknownState(resource, raw) },
      backoff: { initialMs: config.pollIntervalMs, maxMs: config.maxPollIntervalMs },
      polled: new PolledCollections(this.client, deps.polls, config.pollIntervalMs),
      limits: { maxItems: config.maxListItems },
      labels: new LabelBook(this.client),
      serverPlans: new ServerPlanCache(this.client),
      discardOnDelete: config.discardOnDelete,
      overrideStalled: config.overrideStalled,
    };
    this.servers = new ImcoServerReader(context);
    this.volumes = new ImcoVolumeReader(context);
    this.networks = new ImcoNetworkReader(context);
    this.ips = new ImcoIpReader(context);
    this.sshKeys = new ImcoSshKeyReader(context);
    this.catalog = new ImcoCatalog(context);
    const servers = new ImcoServerPlans(context);
    const volumes = new ImcoVolumePlans(context);
    const networks = new ImcoNetworkPlans(context);
    const ips = new ImcoIpPlans(context);
    const sshKeys = new ImcoSshKeyPlans(context);
    // No server.resize, server.rebuild nor volume.resize: IMCO_UNSUPPORTED says why.
    this.plans = {
      'server.create': (r) => servers.create(r),
      'server.start': (r) => servers.start(r),
      'server.stop': (r) => servers.stop(r),
      'server.reboot': (r) => servers.reboot(r),
      'server.rename': (r) => servers.rename(r),
      'server.relabel': (r) => servers.relabel(r),
      'server.delete': (r) => servers.delete(r),
      'volume.create': (r) => volumes.create(r),
      'volume.delete': (r) => volumes.delete(r),
      'volume.attach': (r) => volumes.attach(r),
      'volume.detach': (r) => volumes.detach(r),
      'volume.relabel': (r) => volumes.relabel(r),
      'network.create': (r) => networks.create(r),
      'network.delete': (r) => networks.delete(r),
      'network.relabel': (r) => networks.relabel(r),
      'ip.allocate': (r) => ips.allocate(r),
      'ip.release': (r) => ips.release(r),
      'ip.attach': (r) => ips.attach(r),
      'ip.detach': (r) => ips.detach(r),
      'ip.relabel': (r) => ips.relabel(r),
      'sshKey.create': (r) => sshKeys.create(r),
      'sshKey.delete': (r) => sshKeys.delete(r),
    };
  }

  /** `GET /ping` under the version prefix: the documented check of credentials and reachability. */
  async probe(): Promise<void> {
    await this.client.get('/ping', 'ping');
  }

  async close(): Promise<void> {
    this.tls.close();
  }
}
