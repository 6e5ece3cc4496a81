import { Agent as HttpsAgent } from 'node:https';
import type { ConnectionConfig } from '../../config/gateway-config';
import { ProviderKind } from '../../domain/states';
import type { AdapterDeps, ProviderAdapter } from '../ports/provider-adapter';
import { DCIMANAGER_ACTIONS } from './dcimanager.actions';
import { DcimanagerCatalog } from './dcimanager-catalog.service';
import { parseDciError, parseDciLoginError } from './dcimanager-error.parser';
import { DciClient, decodeJson, untilAwake } from './dcimanager-http.client';
import { DcimanagerIps } from './dcimanager-ips.service';
import { DciLookups } from './dcimanager-lookups';
import { DcimanagerNetworks } from './dcimanager-networks.service';
import { DcimanagerServers } from './dcimanager-servers.service';
import { DciSession } from './dcimanager-session.service';
import { DcimanagerVolumes } from './dcimanager-volumes.service';
import type { DcimanagerContext, WipeMode } from './dcimanager.context';
import { IpAllocateOptions, ServerCreateOptions } from './dcimanager.options';
import { ProviderError } from '../../common/errors/gateway-error';

export interface DcimanagerConnection extends ConnectionConfig {
  /** Host root, e.g. https://dci.example.com (the API prefix is added). */
  endpoint: string;
  email: string;
  password: string;
  /** The customer account whose servers this connection manages. */
  ownerEmail: string;
  apiPrefix: string;
  wipeOnDelete: WipeMode;
  /** PEM CA bundle for instances with a private or self-signed certificate. */
  ca?: string;
}

const BARE_METAL = 'DCImanager manages physical servers with local disks; it has no block volumes';

/** ISPsystem DCImanager 6: an admin login acting for one customer account (`ownerEmail`). */
export class DcimanagerAdapter implements ProviderAdapter {
  readonly kind = ProviderKind.Dcimanager;
  readonly name: string;
  readonly servers: DcimanagerServers;
  readonly volumes: DcimanagerVolumes;
  readonly networks: DcimanagerNetworks;
  readonly ips: DcimanagerIps;
  readonly catalog: DcimanagerCatalog;
  readonly optionSchemas = { 'server.create': ServerCreateOptions, 'ip.allocate': IpAllocateOptions };
  readonly unsupportedReasons = {
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
  private readonly lookups: DciLookups;

  constructor(config: DcimanagerConnection, deps: AdapterDeps) {
    this.name = config.name;
    const baseUrl = `${config.endpoint.replace(/\/+$/, '')}${config.apiPrefix}`;
    const agent = config.ca
      ? new HttpsAgent({ ca: config.ca, keepAlive: true, maxSockets: config.concurrency })
      : undefined;
    const common = {
      connection: config.name,
      kind: this.kind,
      baseUrl,
      tuning: config,
      httpsAgent: agent ? () => agent : undefined,
      secretHeaders: ['x-xsrf-token'],
      defaultHeaders: {
        'Content-Type': 'application/json',
        Accept: 'application/json',
        'isp-box-instance': 'true',
      },
    };
    const auth = deps.http({ ...common, parseError: parseDciLoginError });
    this.session = new DciSession(async () => {
      const response = await untilAwake(() =>
        auth.request({
          method: 'POST',
          path: '/auth/v4/public/token',
          body: JSON.stringify({ email: config.email, password: config.password }),
          idempotent: true,
          operation: 'auth.token',
        }),
      );
      // Auth v4 answers `token`; the older v3 flow called the same value `session`.
      const body = await decodeJson(response);
      const token = body.token ?? body.session;
      if (typeof token !== 'string' || token === '')
        throw new ProviderError('DCImanager logged in without a token.');
      deps.logger.debug('DCImanager session started');
      return token;
    });
    const http = deps.http({ ...common, parseError: parseDciError, authorize: this.session.authorize });
    const client = new DciClient(http, this.session);
    const maxListItems = config.maxListItems ?? 10_000;
    this.lookups = new DciLookups(client, config.ownerEmail, deps.logger, maxListItems);
    const context: DcimanagerContext = {
      connection: config.name,
      client,
      lookups: this.lookups,
      map: {
        connection: config.name,
        onUnknownState: (resource, raw) => deps.onUnknownState(resource, raw),
        networkIdOf: (cidr) => this.lookups.networkIdOf(cidr),
      },
      backoff: { initialMs: config.pollIntervalMs, maxMs: config.maxPollIntervalMs },
      maxListItems,
      logger: deps.logger,
      wipeOnDelete: config.wipeOnDelete,
      claims: deps.claims,
    };
    this.servers = new DcimanagerServers(context);
    this.volumes = new DcimanagerVolumes(context);
    this.networks = new DcimanagerNetworks(context);
    this.ips = new DcimanagerIps(context);
    this.catalog = new DcimanagerCatalog(context);
  }

  /**
   * Finding the owner account (once) proves credentials and config; one short page of the owner's servers
   * proves on every probe that the session and the DCI service still answer.
   */
  async probe(): Promise<void> {
    await this.lookups.ownerId();
    await this.lookups.firstOwned();
  }
}
