import type { SimClock } from '../common/sim-clock';
import { notFound } from './cloudsigma-sim.errors';
import {
  DEVICE_KEY,
  type DriveRecord,
  type ServerRecord,
  type StaticIpRecord,
  type VlanRecord,
} from './cloudsigma-sim.model';
import { createSeed, SIM_IDS } from './cloudsigma-sim.seed';

/** Switches for tests and demos (`POST /__sim/config`); `POST /__sim/reset` restores these defaults. */
export interface CloudsigmaSimConfig {
  /** `/servers/create` starts the server (true) or leaves it `stopped` (false). */
  createStarts: boolean;
  /** Status of a successful `/start`: 200 with the server, or 204. */
  startStatus: 200 | 204;
  /** Status of "could not be found" errors: 400 (default, as clients saw it) or 404. */
  notFoundStatus: 400 | 404;
  /** A copying drive shows `status imaging` instead of `status active` (besides the `imaging` key). */
  imagingStatus: boolean;
  /** Drives of stopped servers keep their `claimed` entry (true) or only running servers claim (false). */
  claimWhenStopped: boolean;
  /** `/resources/ip/create` answers every IP of the account, not only the new ones. */
  ipCreateReturnsAll: boolean;
  /**
   * How many new addresses one `/resources/ip/create` allocates and answers (libcloud's recorded answer: 2;
   * docs/providers/cloudsigma.md#static-ip-create-answer).
   */
  ipCreateCount: number;
  /** Guests ignore the ACPI `/shutdown` and stay `active`. */
  ignoreAcpi: boolean;
  /** A drive's `size` may change while a running server uses it (default: 409 until the server stops). */
  resizeWhileRunning: boolean;
  /** Simulated ms a clone stays `queued`, then copying. */
  imagingQueueMs: number;
  imagingMs: number;
  /** Simulated ms a guest takes to power off after `/shutdown`. */
  shutdownMs: number;
  /** Raw `status` values forced onto servers (`dumped`, `dead`, `paused`, anything), by server UUID. */
  serverStatus: Map<string, string>;
  /**
   * Extra `user:bulkN vN` metadata lines shown on servers, by server UUID: a bloated object (one with a million
   * `user:` keys once stalled the gateway: docs/providers/cloudsigma.md#what-the-adapter-checks), too large to
   * inject as a fault body.
   */
  bulkUserKeys: Map<string, number>;
}

const DEFAULTS = {
  createStarts: true,
  startStatus: 200,
  notFoundStatus: 400,
  imagingStatus: false,
  claimWhenStopped: true,
  ipCreateReturnsAll: false,
  ipCreateCount: 1,
  ignoreAcpi: false,
  resizeWhileRunning: false,
  imagingQueueMs: 2_000,
  imagingMs: 15_000,
  shutdownMs: 5_000,
} as const;

// Addresses come from the documentation ranges, so a simulated IP is never a real one.
const STATIC_POOL = Array.from({ length: 200 }, (_, i) => `192.0.2.${i + 22}`);
const TEMP_POOL = Array.from({ length: 240 }, (_, i) => `198.51.100.${i + 10}`);

export type ObjectType = 'servers' | 'drives' | 'vlan' | 'ip';

/** All mutable simulator state, with lookups, claims, address pools and the timed transitions. */
export class CloudsigmaSimState {
  library = new Map<string, DriveRecord>();
  drives = new Map<string, DriveRecord>();
  servers = new Map<string, ServerRecord>();
  ips = new Map<string, StaticIpRecord>();
  vlans = new Map<string, VlanRecord>();
  config!: CloudsigmaSimConfig;
  readonly account = SIM_IDS.account;
  private tempCursor = 0;

  constructor(readonly clock: SimClock) {
    this.reset();
  }

  reset(): void {
    this.clock.stop();
    const seed = createSeed(this.nowSeconds());
    this.library = new Map(seed.library.map((d) => [d.uuid, d]));
    this.drives = new Map(seed.drives.map((d) => [d.uuid, d]));
    this.servers = new Map(seed.servers.map((s) => [s.uuid, s]));
    this.ips = new Map(seed.ips.map((ip) => [ip.address, ip]));
    this.vlans = new Map(seed.vlans.map((v) => [v.uuid, v]));
    this.config = { ...DEFAULTS, serverStatus: new Map(), bulkUserKeys: new Map() };
    this.tempCursor = 0;
  }

  /** `POST /__sim/config`; throws (→ 400) on a bad setting and changes nothing then. */
  configure(settings: Record<string, unknown>): void {
    const next = {
      ...this.config,
      serverStatus: new Map(this.config.serverStatus),
      bulkUserKeys: new Map(this.config.bulkUserKeys),
    };
    for (const [key, value] of Object.entries(settings)) {
      switch (key) {
        case 'createStarts':
        case 'imagingStatus':
        case 'claimWhenStopped':
        case 'ipCreateReturnsAll':
        case 'ignoreAcpi':
        case 'resizeWhileRunning':
          if (typeof value !== 'boolean') throw new Error(`${key} must be a boolean`);
          next[key] = value;
          break;
        case 'startStatus':
          if (value !== 200 && value !== 204) throw new Error('startStatus must be 200 or 204');
          next.startStatus = value;
          break;
        case 'notFoundStatus':
          if (value !== 400 && value !== 404) throw new Error('notFoundStatus must be 400 or 404');
          next.notFoundStatus = value;
          break;
        case 'ipCreateCount':
          if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 8)
            throw new Error('ipCreateCount must be a whole number from 1 to 8');
          next.ipCreateCount = value;
          break;
        case 'imagingQueueMs':
        case 'imagingMs':
        case 'shutdownMs':
          if (typeof value !== 'number' || !(value >= 0)) throw new Error(`${key} must be a number >= 0`);
          next[key] = value;
          break;
        case 'serverStatus':
          for (const [uuid, status] of Object.entries((value ?? {}) as Record<string, unknown>)) {
            if (status === null) next.serverStatus.delete(uuid);
            else if (typeof status === 'string' && /^\S+$/.test(status)) next.serverStatus.set(uuid, status);
            else throw new Error('serverStatus maps server UUIDs to a status word, or null to clear');
          }
          break;
        case 'bulkUserKeys':
          for (const [uuid, count] of Object.entries((value ?? {}) as Record<string, unknown>)) {
            if (count === null || count === 0) next.bulkUserKeys.delete(uuid);
            else if (typeof count === 'number' && Number.isInteger(count) && count > 0 && count <= 2_000_000)
              next.bulkUserKeys.set(uuid, count);
            else
              throw new Error(
                'bulkUserKeys maps server UUIDs to a count from 1 to 2000000, or null to clear',
              );
          }
          break;
        default:
          throw new Error(`unknown setting ${key}`);
      }
    }
    this.config = next;
  }

  /** `GET /__sim/state`: counts for tests. */
  describe(): Record<string, unknown> {
    const statuses: Record<string, number> = {};
    for (const server of this.servers.values()) {
      const status = this.statusOf(server);
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
    return {
      counts: {
        servers: this.servers.size,
        drives: this.drives.size,
        library: this.library.size,
        vlans: this.vlans.size,
        ips: this.ips.size,
        imaging: [...this.drives.values()].filter((d) => this.imagingOf(d) !== undefined).length,
      },
      serverStatuses: statuses,
      config: {
        ...this.config,
        serverStatus: Object.fromEntries(this.config.serverStatus),
        bulkUserKeys: Object.fromEntries(this.config.bulkUserKeys),
      },
    };
  }

  nowSeconds(): number {
    return Math.floor(Date.now() / 1000);
  }

  // --- lookups: unknown ids answer "could not be found" ---

  require<T>(map: Map<string, T>, type: ObjectType, id: string): T {
    const found = map.get(id);
    if (!found) throw notFound(type, id, this.config.notFoundStatus);
    return found;
  }

  /** An account drive, or a library drive (public readers: info and clone work on both). */
  readableDrive(uuid: string): DriveRecord {
    const drive = this.drives.get(uuid) ?? this.library.get(uuid);
    if (!drive) throw notFound('drives', uuid, this.config.notFoundStatus);
    return drive;
  }

  // --- derived facts ---

  statusOf(server: ServerRecord): string {
    return this.config.serverStatus.get(server.uuid) ?? server.status;
  }

  /** `queued`, `NN%`, or undefined once the copy ended. */
  imagingOf(drive: DriveRecord): string | undefined {
    const job = drive.imaging;
    if (!job) return undefined;
    const now = Date.now();
    if (now >= job.endsAt) {
      drive.imaging = undefined;
      return undefined;
    }
    if (now < job.startsAt) return 'queued';
    const span = Math.max(1, job.endsAt - job.startsAt);
    return `${Math.min(99, Math.floor(((now - job.startsAt) / span) * 100))}%`;
  }

  /** Servers (and their device keys) configured with this drive, whatever their status. */
  usersOf(driveUuid: string): Array<{ server: ServerRecord; device: string }> {
    const found: Array<{ server: ServerRecord; device: string }> = [];
    for (const server of this.servers.values()) {
      for (const [key, value] of server.config) {
        if (DEVICE_KEY.test(key) && value === driveUuid) found.push({ server, device: key });
      }
    }
    return found;
  }

  /** `claimed` entries: `<host>:guest:<server>:<device>`, plus `<host>:imaging` while a copy runs. */
  claimsOf(drive: DriveRecord): string[] {
    const claims = (drive.fields.get('claimed') ?? '').split(/\s+/).filter(Boolean);
    for (const { server, device } of this.usersOf(drive.uuid)) {
      if (server.status === 'active' || this.config.claimWhenStopped)
        claims.push(`${server.host}:guest:${server.uuid}:${device}`);
    }
    if (this.imagingOf(drive) !== undefined) claims.push(`${SIM_IDS.hostA}:imaging`);
    return claims;
  }

  /** The server whose `nic:N:dhcp` holds this static address. */
  holderOf(address: string): ServerRecord | undefined {
    return [...this.servers.values()].find((server) =>
      [...server.config].some(([key, value]) => /^nic:\d+:dhcp$/.test(key) && value === address),
    );
  }

  // --- address pools ---

  allocateStatic(): string | undefined {
    return STATIC_POOL.find((address) => !this.ips.has(address));
  }

  allocateTemporary(): string {
    const used = new Set([...this.servers.values()].map((s) => s.tempIp));
    for (let step = 0; step < TEMP_POOL.length; step++) {
      const candidate = TEMP_POOL[(this.tempCursor + step) % TEMP_POOL.length];
      if (!used.has(candidate)) {
        this.tempCursor = (this.tempCursor + step + 1) % TEMP_POOL.length;
        return candidate;
      }
    }
    return TEMP_POOL[0];
  }
}
