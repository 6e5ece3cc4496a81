import { randomBytes } from 'node:crypto';
import type { SimClock } from '../common/sim-clock';
import type { Cidr } from '../common/ipv4';
import { freeHost } from './imco-sim.addresses';
import {
  type ErrorBodyStyle,
  ImcoSimError,
  type WrongStateStyle,
  notFound,
  wrongState,
} from './imco-sim.errors';
import type {
  Catalog,
  EventLevel,
  EventRecord,
  FirewallProfileRecord,
  FloatingIpRecord,
  LabelRecord,
  ServerRecord,
  SshProfileRecord,
  SubnetRecord,
  TemplateRecord,
  VolumeRecord,
  VpcRecord,
} from './imco-sim.model';
import { createSeed } from './imco-sim.seed';

/** Simulated durations (ms at speed 1) of the background work behind each transitional state. */
export const DURATIONS = {
  commission: 8000,
  booting: 4000,
  bootstrapping: 6000,
  shutdown: 4000,
  decommission: 5000,
  volume: 3000,
  vpc: 5000,
  subnet: 3000,
  floatingIp: 2000,
  compile: 3000,
} as const;

/** Background operations `failNext` can make fail (`<collection>.<operation>`). */
export const FAILABLE = [
  'servers.commission',
  'servers.boot',
  'servers.reboot',
  'servers.shutdown',
  'servers.decommission',
  'volumes.create',
  'volumes.attach',
  'vpcs.create',
  'floating_ips.create',
  'floating_ips.attach',
  // The compile ends in `compiling_error` instead of `ready`.
  'templates.compile',
] as const;

export interface ImcoSimConfig {
  wrongStateStyle: WrongStateStyle;
  errorBodyStyle: ErrorBodyStyle;
  /** Status of a successful create (POST). */
  createStatus: 200 | 201;
  /** What `DELETE /cloud/servers/{id}` answers: 200 with the server (v1) or 204. */
  serverDeleteBody: 'server' | 'empty';
  /** `booting`: a reboot passes through booting and bootstrapping; `operational`: it stays operational. */
  rebootStyle: 'booting' | 'operational';
  failNext: Map<string, number>;
}

type Collection = 'servers' | 'volumes' | 'vpcs' | 'subnets' | 'floating_ips' | 'templates';

/** All mutable simulator state, with lookups, ids, events and the timers of the state machines. */
export class ImcoSimState {
  catalog!: Catalog;
  servers = new Map<string, ServerRecord>();
  volumes = new Map<string, VolumeRecord>();
  vpcs = new Map<string, VpcRecord>();
  subnets = new Map<string, SubnetRecord>();
  floatingIps = new Map<string, FloatingIpRecord>();
  sshProfiles = new Map<string, SshProfileRecord>();
  firewallProfiles = new Map<string, FirewallProfileRecord>();
  templates = new Map<string, TemplateRecord>();
  labels = new Map<string, LabelRecord>();
  /** Newest first, as the API lists them. */
  events: EventRecord[] = [];
  config!: ImcoSimConfig;
  private sequence = 0;

  constructor(readonly clock: SimClock) {
    this.reset();
  }

  reset(): void {
    this.clock.stop();
    const seed = createSeed();
    const index = <T extends { id: string }>(items: T[]) => new Map(items.map((item) => [item.id, item]));
    this.catalog = seed.catalog;
    this.servers = index(seed.servers);
    this.volumes = index(seed.volumes);
    this.vpcs = index(seed.vpcs);
    this.subnets = index(seed.subnets);
    this.floatingIps = index(seed.floatingIps);
    this.sshProfiles = index(seed.sshProfiles);
    this.firewallProfiles = index(seed.firewallProfiles);
    this.templates = index(seed.templates);
    this.labels = index(seed.labels);
    this.events = [...seed.events];
    this.config = {
      wrongStateStyle: 'errors-422',
      errorBodyStyle: 'json',
      createStatus: 201,
      serverDeleteBody: 'server',
      rebootStyle: 'booting',
      failNext: new Map(),
    };
  }

  /** `POST /__sim/config`; throws (→ 400) on a bad setting before changing anything. */
  configure(settings: Record<string, unknown>): void {
    const {
      wrongStateStyle,
      errorBodyStyle,
      createStatus,
      serverDeleteBody,
      rebootStyle,
      failNext,
      setStates,
    } = settings;
    const oneOf = (name: string, value: unknown, allowed: unknown[]) => {
      if (value !== undefined && !allowed.includes(value))
        throw new Error(`${name} must be one of ${allowed.join(', ')}`);
    };
    oneOf('wrongStateStyle', wrongStateStyle, ['errors-422', 'error-409']);
    oneOf('errorBodyStyle', errorBodyStyle, ['json', 'text']);
    oneOf('createStatus', createStatus, [200, 201]);
    oneOf('serverDeleteBody', serverDeleteBody, ['server', 'empty']);
    oneOf('rebootStyle', rebootStyle, ['booting', 'operational']);
    const failures = Object.entries((failNext ?? {}) as Record<string, unknown>);
    for (const [key, count] of failures) {
      if (
        !(FAILABLE as readonly string[]).includes(key) ||
        !(Number.isInteger(count) && (count as number) >= 0)
      )
        throw new Error(`failNext takes {"<operation>": count} with operations ${FAILABLE.join(', ')}`);
    }
    const states = Object.entries((setStates ?? {}) as Record<string, Record<string, unknown>>);
    for (const [collection, byId] of states) {
      const map = this.collection(collection as Collection);
      if (!map) throw new Error(`setStates takes servers, volumes, vpcs, subnets, floating_ips or templates`);
      for (const [id, value] of Object.entries(byId ?? {})) {
        if (!map.has(id) || typeof value !== 'string') throw new Error(`setStates: no ${collection} ${id}`);
      }
    }
    const config = this.config as unknown as Record<string, unknown>;
    for (const [key, value] of Object.entries({
      wrongStateStyle,
      errorBodyStyle,
      createStatus,
      serverDeleteBody,
      rebootStyle,
    })) {
      if (value !== undefined) config[key] = value;
    }
    for (const [key, count] of failures) this.config.failNext.set(key, count as number);
    for (const [collection, byId] of states) {
      for (const [id, value] of Object.entries(byId))
        this.collection(collection as Collection)!.get(id)!.state = String(value);
    }
  }

  private collection(name: Collection): Map<string, { state: string }> | undefined {
    const maps: Record<Collection, Map<string, { state: string }>> = {
      servers: this.servers,
      volumes: this.volumes,
      vpcs: this.vpcs,
      subnets: this.subnets,
      floating_ips: this.floatingIps,
      templates: this.templates,
    };
    return Object.hasOwn(maps, name) ? maps[name] : undefined;
  }

  /** `GET /__sim/state`: counts per collection and servers per state. */
  describe(): Record<string, unknown> {
    const byState = (records: Iterable<{ state: string }>) => {
      const counts: Record<string, number> = {};
      for (const record of records) counts[record.state] = (counts[record.state] ?? 0) + 1;
      return counts;
    };
    return {
      counts: {
        servers: this.servers.size,
        volumes: this.volumes.size,
        vpcs: this.vpcs.size,
        subnets: this.subnets.size,
        floating_ips: this.floatingIps.size,
        ssh_profiles: this.sshProfiles.size,
        firewall_profiles: this.firewallProfiles.size,
        templates: this.templates.size,
        labels: this.labels.size,
        events: this.events.length,
      },
      serverStates: byState(this.servers.values()),
      volumeStates: byState(this.volumes.values()),
      templateStates: byState(this.templates.values()),
      config: {
        wrongStateStyle: this.config.wrongStateStyle,
        errorBodyStyle: this.config.errorBodyStyle,
        createStatus: this.config.createStatus,
        serverDeleteBody: this.config.serverDeleteBody,
        rebootStyle: this.config.rebootStyle,
        failNext: Object.fromEntries(this.config.failNext),
      },
    };
  }

  /** A new 24-hex id: seconds since the epoch, then a counter and random bytes (ObjectId-like). */
  newId(): string {
    const seconds = Math.floor(Date.now() / 1000)
      .toString(16)
      .padStart(8, '0');
    const counter = (++this.sequence % 0xffff).toString(16).padStart(4, '0');
    return `${seconds}${counter}${randomBytes(6).toString('hex')}`;
  }

  /** True (and counts it) when the next run of this background operation is to fail. */
  takeFailure(operation: (typeof FAILABLE)[number]): boolean {
    const left = this.config.failNext.get(operation) ?? 0;
    if (left <= 0) return false;
    this.config.failNext.set(operation, left - 1);
    return true;
  }

  /** Runs `then` after `ms` of simulated time if the record still exists in `map` and is still in `state`. */
  settle<T extends { id: string; state: string }>(
    map: Map<string, T>,
    record: T,
    state: string,
    ms: number,
    then: (record: T) => void,
  ): void {
    this.clock.after(ms, () => {
      if (map.get(record.id) === record && record.state === state) then(record);
    });
  }

  event(level: EventLevel, header: string, description: string, serverId: string | null = null): EventRecord {
    const event: EventRecord = {
      id: this.newId(),
      timestamp: new Date().toISOString(),
      level,
      header,
      description,
      serverId,
      system: false,
    };
    this.events.unshift(event);
    return event;
  }

  /** Answers the refusal of a state transition in the configured style. */
  refuse(noun: string, event: string, current: string, allowed: string[]): ImcoSimError {
    return wrongState(this.config.wrongStateStyle, noun, event, current, allowed);
  }

  require<T>(map: Map<string, T>, type: string, id: string): T {
    const record = map.get(id);
    if (!record) throw notFound(type, id);
    return record;
  }

  realmOfServer(server: ServerRecord): string | undefined {
    return this.catalog.serverPlans.find((plan) => plan.id === server.serverPlanId)?.realmId;
  }

  providerOfRealm(realmId: string): string | undefined {
    return this.catalog.realms.find((realm) => realm.id === realmId)?.cloudProviderId;
  }

  /** A free address in `pool`, given the addresses in use. */
  allocate(pool: Cidr, used: Iterable<string | null>, what: string): string {
    const address = freeHost(pool, new Set([...used].filter((a): a is string => !!a)));
    if (!address)
      throw new ImcoSimError(422, `No free ${what} address left`, { base: [`no free ${what} address left`] });
    return address;
  }
}
