import { ProviderKind } from '../../domain/states';
import type { OperationPlans, IpReader, NetworkReader, ServerReader, VolumeReader } from '../ports/ports';
import type { AdapterDeps, ProviderAdapter } from '../ports/provider-adapter';
import { parseDciError, parseDciLoginError } from './client/errors';
import { DciClient, type DciEndpoint, requestToken, upstreamOptions } from './client/http.client';
import { DciSession } from './client/session';
import { DCIMANAGER_ACTIONS } from './dcimanager.actions';
import {
  DCIMANAGER_FEATURES,
  DCIMANAGER_REQUEST_RULES,
  NO_LABELS,
  NO_SERVER_RESIZE,
  NO_SSH_KEY_OBJECTS,
} from './dcimanager.features';
import { IpAllocateOptions, ServerCreateOptions, ServerRebuildOptions } from './dcimanager.options';
import { DcimanagerCatalog } from './plans/catalog';
import type { DcimanagerContext, WipeMode } from './plans/context';
import { DcimanagerIps } from './plans/ips';
import { DcimanagerNetworks } from './plans/networks';
import { DciReads } from './plans/reads';
import { DcimanagerServers } from './plans/servers';
import { DcimanagerVolumes } from './plans/volumes';

export interface DcimanagerConnection extends DciEndpoint {
  email: string;
  password: string;
  /** The customer account whose servers this connection manages. */
  ownerEmail: string;
  wipeOnDelete: WipeMode;
}

const BARE_METAL = 'DCImanager manages physical servers with local disks; it has no block volumes';

/**
 * ISPsystem DCImanager 6: an admin login acting for one customer account (`ownerEmail`). Wiring only: the
 * client, the shared reads and the plan files (README.md of this folder maps them).
 */
export class DcimanagerAdapter implements ProviderAdapter {
  readonly kind = ProviderKind.Dcimanager;
  readonly name: string;
  readonly servers: ServerReader;
  readonly volumes: VolumeReader;
  readonly networks: NetworkReader;
  readonly ips: IpReader;
  readonly catalog: DcimanagerCatalog;
  readonly plans: OperationPlans;
  readonly optionSchemas = {
    'server.create': ServerCreateOptions,
    'server.rebuild': ServerRebuildOptions,
    'ip.allocate': IpAllocateOptions,
  };
  /** No labels, user-data or key objects on DCImanager (docs/providers/dcimanager.md#labels and after). */
  readonly features = DCIMANAGER_FEATURES;
  readonly requestRules = DCIMANAGER_REQUEST_RULES;
  readonly unsupportedReasons = {
    'server.resize': NO_SERVER_RESIZE,
    'volume.resize': `${BARE_METAL}; a local disk's size is the hardware's`,
    'sshKey.create': NO_SSH_KEY_OBJECTS,
    'sshKey.delete': NO_SSH_KEY_OBJECTS,
    // The gateway keeps labels of every type: a label change never reaches DCImanager.
    'server.relabel': NO_LABELS,
    'volume.relabel': NO_LABELS,
    'network.relabel': NO_LABELS,
    'ip.relabel': NO_LABELS,
    'volume.create': `${BARE_METAL}; the local disks are listed read-only`,
    'volume.delete': `${BARE_METAL}; the local disks go with their server`,
    'volume.attach': `${BARE_METAL}; disks cannot move between servers`,
    'volume.detach': `${BARE_METAL}; disks cannot move between servers`,
    'network.create':
      'IPmanager networks are the provider’s address ranges; the DCImanager API offers no way to create one for a customer',
    'network.delete':
      'IPmanager networks are the provider’s address ranges and are not deleted through a customer connection',
    'ip.attach':
      'DCImanager addresses exist only as allocations to one server; release it and allocate on the other server instead',
    'ip.detach':
      'DCImanager addresses exist only as allocations to one server; releasing it is the only way to take it off',
  };
  readonly actions = DCIMANAGER_ACTIONS;
  /** The session, exposed for tests (login count); never its token. */
  readonly session: DciSession;
  private readonly reads: DciReads;

  constructor(config: DcimanagerConnection, deps: AdapterDeps) {
    this.name = config.name;
    const upstream = upstreamOptions(config);
    const auth = deps.http({ ...upstream, parseError: parseDciLoginError });
    this.session = new DciSession(() => requestToken(auth, config), deps.logger);
    const http = deps.http({ ...upstream, parseError: parseDciError, authorize: this.session.authorize });
    const client = new DciClient(http, this.session);
    const { maxListItems } = config;
    const reads = (this.reads = new DciReads(
      client,
      config.ownerEmail,
      deps.logger,
      maxListItems,
      deps.polls,
      config.pollIntervalMs,
    ));
    const context: DcimanagerContext = {
      connection: config.name,
      client,
      reads,
      map: {
        onUnknownState: (resource, raw) => deps.onUnknownState(resource, raw),
        networkIdOf: (cidr) => reads.networkIdOf(cidr),
      },
      backoff: { initialMs: config.pollIntervalMs, maxMs: config.maxPollIntervalMs },
      maxListItems,
      logger: deps.logger,
      wipeOnDelete: config.wipeOnDelete,
      claims: deps.claims,
    };
    const servers = new DcimanagerServers(context);
    const ips = new DcimanagerIps(context);
    this.servers = servers;
    this.volumes = new DcimanagerVolumes(context);
    this.networks = new DcimanagerNetworks(context);
    this.ips = ips;
    this.catalog = new DcimanagerCatalog(context);
    // Volumes and networks are read only; no resize, key objects or labels (unsupportedReasons says why).
    this.plans = {
      'server.create': (request) => servers.create(request),
      'server.start': (request) => servers.start(request),
      'server.stop': (request) => servers.stop(request),
      'server.reboot': (request) => servers.reboot(request),
      'server.rename': (request) => servers.rename(request),
      'server.rebuild': (request) => servers.rebuild(request),
      'server.delete': (request) => servers.delete(request),
      'ip.allocate': (request) => ips.allocate(request),
      'ip.release': (request) => ips.release(request),
    };
  }

  /**
   * Finding the owner account (once) proves credentials and config; one short page of the owner's servers
   * proves on every probe that the session and the DCI service still answer.
   */
  async probe(): Promise<void> {
    await this.reads.ownerId();
    await this.reads.firstOwned();
  }
}
