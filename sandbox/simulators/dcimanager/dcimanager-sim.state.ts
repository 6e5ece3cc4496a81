import type { SimClock } from '../common/sim-clock';
import { notFound } from './dcimanager-sim.errors';
import type {
  IpRecord,
  IpnetRecord,
  LocationRecord,
  OsTemplateRecord,
  PoolRecord,
  ServerRecord,
  UserRecord,
} from './dcimanager-sim.model';
import { createSeed, extraStock } from './dcimanager-sim.seed';
import { ServiceSleep, SessionStore } from './dcimanager-sim.sessions';

/** Simulated durations (ms at speed 1). */
export const DURATIONS = {
  power: 3_000,
  suspend: 2_000,
  osStage: 5_000,
  clearSimple: 8_000,
  clearFull: 20_000,
  clearNone: 1_000,
  diag: 12_000,
  ip: 2_000,
  wake: 1_500,
  session: 60 * 60 * 1000,
  loginKey: 60 * 60 * 1000,
} as const;

export const FAILABLE = ['operation_os', 'operation_clear_hdd', 'operation_diag', 'ip_allocate'] as const;
type Failable = (typeof FAILABLE)[number];
const SERVICES = ['auth', 'dci', 'ip'];

export interface DciSimConfig {
  /** Real ms of idle time after which a session ends. */
  sessionLifetimeMs: number;
  /** HTTP status of the "no valid session" answer (its code is always 1000). */
  sessionErrorStatus: number;
  /** Largest page a list answers (also the page when `limit` is absent). */
  maxPageSize: number;
  /** Leave a finished operation on the server with status `complete` instead of clearing it. */
  keepFinishedOperation: boolean;
  /** Methods that release an address at `/server/{id}/ip/{ip_id}`. */
  ipReleaseMethods: string[];
  /** Answer 404 at the location and OS template collections (older builds, or a module not installed). */
  hideCatalog: boolean;
  /** Real ms a sleeping service takes to wake. */
  wakeMs: number;
  /** Real ms without requests after which a service falls asleep (0: never). */
  idleSleepMs: number;
  /** Freezes every running command, operation and address change where it is (tests observe them). */
  paused: boolean;
  failOperations: Map<Failable, number>;
}

/** All mutable simulator state, with lookups and id sequences. */
export class DciSimState {
  users: UserRecord[] = [];
  locations: LocationRecord[] = [];
  osTemplates: OsTemplateRecord[] = [];
  ipnets: IpnetRecord[] = [];
  pools: PoolRecord[] = [];
  servers = new Map<number, ServerRecord>();
  ips = new Map<number, IpRecord>();
  config!: DciSimConfig;
  /** Change counter shown as `last_notify` on server lists. */
  lastNotify = 0;
  requestsWithoutBoxHeader = 0;
  readonly sessions: SessionStore;
  readonly sleep: ServiceSleep;
  private sequences = { ip: 1000, operation: 9000, task: 40000 };
  /** Servers `stock` settings added since the last reset. */
  private stockAdded = 0;

  constructor(
    readonly clock: SimClock,
    private readonly adminPassword: string,
  ) {
    this.sessions = new SessionStore(
      () => this.config.sessionLifetimeMs,
      () => clock.scaled(DURATIONS.loginKey),
    );
    this.sleep = new ServiceSleep(
      () => this.config.wakeMs,
      () => this.config.idleSleepMs,
    );
    this.reset();
  }

  reset(): void {
    this.clock.stop();
    this.sessions.clear();
    this.sleep.clear();
    const seed = createSeed(this.adminPassword);
    this.users = seed.users;
    this.locations = seed.locations;
    this.osTemplates = seed.osTemplates;
    this.ipnets = seed.ipnets;
    this.pools = seed.pools;
    this.servers = new Map(seed.servers.map((s) => [s.id, s]));
    this.ips = new Map(seed.ips.map((i) => [i.id, i]));
    this.sequences = { ip: 1000, operation: 9000, task: 40000 };
    this.stockAdded = 0;
    this.lastNotify = 1;
    this.requestsWithoutBoxHeader = 0;
    this.config = {
      sessionLifetimeMs: this.clock.scaled(DURATIONS.session),
      sessionErrorStatus: 401,
      maxPageSize: 1000,
      keepFinishedOperation: false,
      ipReleaseMethods: ['POST', 'DELETE'],
      hideCatalog: false,
      wakeMs: this.clock.scaled(DURATIONS.wake),
      idleSleepMs: 0,
      paused: false,
      failOperations: new Map(),
    };
  }

  /** `POST /__sim/config`; throws (→ 400) on a bad setting. */
  configure(settings: Record<string, unknown>): void {
    const number = (key: string, min: number) => {
      const value = settings[key];
      if (value === undefined) return undefined;
      if (typeof value !== 'number' || !(value >= min)) throw new Error(`${key} must be a number >= ${min}`);
      return value;
    };
    const bool = (key: string) => {
      const value = settings[key];
      if (value !== undefined && typeof value !== 'boolean') throw new Error(`${key} must be a boolean`);
      return value;
    };
    const lifetime = number('sessionLifetimeMs', 0);
    const status = number('sessionErrorStatus', 400);
    if (status !== undefined && ![400, 401, 403].includes(status))
      throw new Error('sessionErrorStatus must be 400, 401 or 403');
    const pageSize = number('maxPageSize', 1);
    const wakeMs = number('wakeMs', 0);
    const idleSleepMs = number('idleSleepMs', 0);
    const keep = bool('keepFinishedOperation');
    const hide = bool('hideCatalog');
    const paused = bool('paused');
    const expire = bool('expireSessions');
    const stock = number('stock', 0);
    if (stock !== undefined && !(Number.isInteger(stock) && this.stockAdded + stock <= 55_000))
      throw new Error('stock must be an integer; at most 55000 servers in all');
    const methods = settings.ipReleaseMethods;
    if (
      methods !== undefined &&
      !(Array.isArray(methods) && methods.length > 0 && methods.every((m) => m === 'POST' || m === 'DELETE'))
    )
      throw new Error('ipReleaseMethods must be a non-empty list of POST and DELETE');
    const sleep = settings.sleep;
    const sleepList = sleep === true ? SERVICES : sleep === undefined || sleep === false ? [] : sleep;
    if (!Array.isArray(sleepList) || !sleepList.every((s) => SERVICES.includes(s as string)))
      throw new Error(`sleep must be true or a list of ${SERVICES.join(', ')}`);
    const failures = Object.entries((settings.failOperations ?? {}) as Record<string, unknown>);
    for (const [key, count] of failures) {
      if (!FAILABLE.includes(key as Failable) || !(Number.isInteger(count) && (count as number) >= 0))
        throw new Error(`failOperations takes ${FAILABLE.join(', ')} with a count; got ${key}`);
    }

    if (lifetime !== undefined) this.config.sessionLifetimeMs = lifetime;
    if (status !== undefined) this.config.sessionErrorStatus = status;
    if (pageSize !== undefined) this.config.maxPageSize = pageSize;
    if (wakeMs !== undefined) this.config.wakeMs = wakeMs;
    if (idleSleepMs !== undefined) this.config.idleSleepMs = idleSleepMs;
    if (keep !== undefined) this.config.keepFinishedOperation = keep;
    if (hide !== undefined) this.config.hideCatalog = hide;
    if (paused !== undefined) this.config.paused = paused;
    if (methods !== undefined) this.config.ipReleaseMethods = methods as string[];
    if (expire) this.sessions.expireAll();
    this.sleep.sleep(sleepList as string[]);
    for (const [key, count] of failures) this.config.failOperations.set(key as Failable, count as number);
    if (stock) this.addStock(stock);
  }

  /** `stock: n` adds n free servers (with addresses) to the north's stock: runs that take many (the bench). */
  private addStock(count: number): void {
    const added = extraStock(count, this.stockAdded, () => this.nextIpId());
    if (added.ipnet) this.ipnets.push(added.ipnet);
    for (const server of added.servers) this.servers.set(server.id, server);
    for (const ip of added.ips) this.ips.set(ip.id, ip);
    this.stockAdded += count;
    this.changed();
  }

  /** `GET /__sim/state`: counts for tests. */
  describe(): Record<string, unknown> {
    const servers = [...this.servers.values()];
    const count = <T>(items: T[], key: (item: T) => string) =>
      items.reduce<Record<string, number>>(
        (acc, item) => ({ ...acc, [key(item)]: (acc[key(item)] ?? 0) + 1 }),
        {},
      );
    return {
      counts: {
        servers: servers.length,
        owned: servers.filter((s) => s.ownerId !== null).length,
        freeStock: servers.filter((s) => s.ownerId === null && !s.isNew).length,
        ips: this.ips.size,
        ipnets: this.ipnets.length,
        osTemplates: this.osTemplates.length,
        locations: this.locations.length,
        sessions: this.sessions.live(),
      },
      power: count(servers, (s) => s.power),
      operations: servers.filter((s) => s.operation && s.operation.status !== 'complete').length,
      requestsWithoutBoxHeader: this.requestsWithoutBoxHeader,
      sleeping: this.sleep.sleeping(),
      config: { ...this.config, failOperations: Object.fromEntries(this.config.failOperations) },
    };
  }

  /** Consumes one injected failure of this kind, if any is left. */
  takeFailure(kind: Failable): boolean {
    const left = this.config.failOperations.get(kind) ?? 0;
    if (left > 0) this.config.failOperations.set(kind, left - 1);
    return left > 0;
  }

  nextIpId(): number {
    return ++this.sequences.ip;
  }

  nextOperationId(): number {
    return ++this.sequences.operation;
  }

  nextTaskId(): number {
    return ++this.sequences.task;
  }

  changed(): void {
    this.lastNotify++;
  }

  requireServer(id: string | number): ServerRecord {
    const server = this.servers.get(Number(id));
    if (!server || !/^\d+$/.test(String(id))) throw notFound('server', id);
    return server;
  }

  /** Runs `fn` after `ms` of simulated time, unless the server vanished meanwhile (reset); waits while paused. */
  later(server: ServerRecord, ms: number, fn: () => void): void {
    this.clock.after(ms, () => {
      if (this.servers.get(server.id) !== server) return;
      if (this.config.paused) return this.later(server, 100, fn);
      fn();
      this.changed();
    });
  }

  user(id: number | null): UserRecord | undefined {
    return id === null ? undefined : this.users.find((u) => u.id === id);
  }
}
