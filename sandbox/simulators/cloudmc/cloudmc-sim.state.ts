import type { SimClock } from '../common/sim-clock';
import { CloudmcSimError, type ErrorKey, invalidField, notFound } from './cloudmc-sim.errors';
import type {
  Catalog,
  InstanceRecord,
  NetworkRecord,
  PublicIpRecord,
  SshKeyRecord,
  VolumeRecord,
  Vpc,
} from './cloudmc-sim.model';
import { createSeed } from './cloudmc-sim.seed';
import { type TaskShape, TaskStore } from './cloudmc-sim.tasks';
import { intToIp, ipToInt, parseCidr } from './cloudmc-sim.util';

export interface CloudmcSimConfig {
  taskShape: TaskShape;
  /** Real milliseconds a task is remembered. */
  taskTtlMs: number;
  errorKey: ErrorKey;
  /** `<entityType>.<operation>` → how many of the next such tasks end FAILED. */
  failOperations: Map<string, number>;
}

/** What a task does when its simulated duration has passed. */
export interface TaskSteps {
  /** Applies the final state and returns the task result. */
  complete(): unknown;
  /** Undoes what the request already changed, when the task is made to fail. */
  rollback?(): void;
}

/** Simulated durations (ms at speed 1) of the asynchronous operations. */
export const DURATIONS = {
  instanceCreate: 8000,
  instancePower: 4000,
  instanceForceStop: 1000,
  instanceRename: 1000,
  instanceDelete: 3000,
  instanceRecover: 2000,
  volume: 2000,
  network: 2000,
  networkUpdate: 1000,
  publicIp: 2000,
  sshKey: 500,
  /** changeComputeOffering: a stop, the change and a start of a running VM. */
  instanceResize: 6000,
  volumeResize: 3000,
} as const;

export const FAILABLE_OPERATIONS = [
  'create',
  'delete',
  'update',
  'start',
  'stop',
  'reboot',
  'purge',
  'recover',
  'attachToInstance',
  'detachFromInstance',
  'enableStaticNat',
  'disableStaticNat',
  'changeComputeOffering',
  'resize',
];

// Public addresses come from the documentation ranges, so a simulated IP can never be a real one.
const PUBLIC_POOL = [
  ...Array.from({ length: 253 }, (_, i) => `203.0.113.${i + 2}`),
  ...Array.from({ length: 253 }, (_, i) => `198.51.100.${i + 2}`),
];

/** All mutable simulator state, with lookups, address allocation and the task runner. */
export class CloudmcSimState {
  catalog!: Catalog;
  vpcs = new Map<string, Vpc>();
  instances = new Map<string, InstanceRecord>();
  volumes = new Map<string, VolumeRecord>();
  networks = new Map<string, NetworkRecord>();
  publicIps = new Map<string, PublicIpRecord>();
  /** By name: SSH keys are addressed by it. */
  sshKeys = new Map<string, SshKeyRecord>();
  config!: CloudmcSimConfig;
  readonly tasks = new TaskStore(() => this.config.taskTtlMs);
  private publicCursor = 0;

  constructor(
    readonly clock: SimClock,
    private readonly defaultTaskTtlMs: number,
  ) {
    this.reset();
  }

  reset(): void {
    this.clock.stop();
    this.tasks.clear();
    const seed = createSeed();
    this.catalog = seed.catalog;
    this.vpcs = new Map(seed.vpcs.map((v) => [v.id, v]));
    this.instances = new Map(seed.instances.map((i) => [i.id, i]));
    this.volumes = new Map(seed.volumes.map((v) => [v.id, v]));
    this.networks = new Map(seed.networks.map((n) => [n.id, n]));
    this.publicIps = new Map(seed.publicIps.map((p) => [p.id, p]));
    this.sshKeys = new Map(seed.sshKeys.map((k) => [k.name, k]));
    this.publicCursor = 1;
    this.config = {
      taskShape: 'B',
      taskTtlMs: this.defaultTaskTtlMs,
      errorKey: 'code',
      failOperations: new Map(),
    };
  }

  /** `POST /__sim/config`; throws (→ 400) on a bad setting. */
  configure(settings: Record<string, unknown>): void {
    const { taskShape, taskTtlMs, errorKey, failOperations } = settings;
    if (taskShape !== undefined && taskShape !== 'A' && taskShape !== 'B')
      throw new Error('taskShape must be "A" or "B"');
    if (taskTtlMs !== undefined && !(typeof taskTtlMs === 'number' && taskTtlMs >= 0)) {
      throw new Error('taskTtlMs must be a number >= 0');
    }
    if (errorKey !== undefined && errorKey !== 'code' && errorKey !== 'errorCode') {
      throw new Error('errorKey must be "code" or "errorCode"');
    }
    const failures = Object.entries((failOperations ?? {}) as Record<string, unknown>);
    for (const [key, count] of failures) {
      const [entity, operation] = key.split('.');
      if (
        !entity ||
        !FAILABLE_OPERATIONS.includes(operation) ||
        !(Number.isInteger(count) && (count as number) >= 0)
      ) {
        throw new Error(
          `failOperations needs "<entity>.<operation>": count, e.g. {"instances.create": 1}; got ${key}`,
        );
      }
    }
    if (taskShape !== undefined) this.config.taskShape = taskShape;
    if (typeof taskTtlMs === 'number') this.config.taskTtlMs = taskTtlMs;
    if (errorKey !== undefined) this.config.errorKey = errorKey;
    for (const [key, count] of failures) this.config.failOperations.set(key, count as number);
  }

  /** `GET /__sim/state`: counts per entity type and live tasks. */
  describe(): Record<string, unknown> {
    const byState = (records: Iterable<{ state: string }>): Record<string, number> => {
      const counts: Record<string, number> = {};
      for (const r of records) counts[r.state] = (counts[r.state] ?? 0) + 1;
      return counts;
    };
    return {
      counts: {
        instances: this.instances.size,
        volumes: this.volumes.size,
        networks: this.networks.size,
        publicipaddresses: this.publicIps.size,
        vpcs: this.vpcs.size,
        nics: this.instances.size,
        sshkeys: this.sshKeys.size,
      },
      instanceStates: byState(this.instances.values()),
      tasks: this.tasks.counts(),
      config: {
        taskShape: this.config.taskShape,
        taskTtlMs: this.config.taskTtlMs,
        errorKey: this.config.errorKey,
        failOperations: Object.fromEntries(this.config.failOperations),
      },
    };
  }

  /** Starts a task that finishes after `durationMs` of simulated time; returns its id. */
  runTask(operation: string, durationMs: number, steps: TaskSteps): string {
    const task = this.tasks.create(operation);
    const failuresLeft = this.config.failOperations.get(operation) ?? 0;
    if (failuresLeft > 0) this.config.failOperations.set(operation, failuresLeft - 1);
    this.clock.after(durationMs, () => {
      if (failuresLeft > 0) {
        steps.rollback?.();
        this.tasks.fail(task, `Operation ${operation} failed (simulated failure)`);
        return;
      }
      try {
        this.tasks.succeed(task, steps.complete());
      } catch (error) {
        // The entity vanished or changed under the task (e.g. a concurrent delete).
        steps.rollback?.();
        this.tasks.fail(task, (error as Error).message);
      }
    });
    return task.id;
  }

  // --- lookups: `find*` for ids in bodies (400 when wrong), `require*` for ids in the URL (404) ---

  requireRecord<T>(map: Map<string, T>, type: string, id: string): T {
    const record = map.get(id);
    if (!record) throw notFound(type, id);
    return record;
  }

  findIn<T extends { id: string }>(list: Iterable<T>, field: string, id: string): T {
    for (const item of list) if (item.id === id) return item;
    throw invalidField(field, `No resource found for ${field} ${id}`, { value: id });
  }

  zoneName(zoneId: string): string {
    return this.catalog.zones.find((z) => z.id === zoneId)?.name ?? '';
  }

  instancesOn(networkId: string): InstanceRecord[] {
    return [...this.instances.values()].filter((i) => i.networkId === networkId);
  }

  // --- address allocation ---

  /** Next free host address of a network, or the requested one if it is valid and free. */
  allocatePrivateIp(network: NetworkRecord, requested?: string): string {
    const cidr = parseCidr(network.cidr);
    const used = new Set(this.instancesOn(network.id).map((i) => i.ipAddress));
    used.add(network.gateway);
    if (requested !== undefined) {
      const value = ipToInt(requested);
      const inside = value !== undefined && value > cidr.base && value < cidr.base + cidr.size - 1;
      if (!inside) throw invalidField('ipAddress', `${requested} is not a usable address of ${network.cidr}`);
      if (used.has(requested)) throw invalidField('ipAddress', `${requested} is already in use`);
      return requested;
    }
    // CloudStack hands out addresses from the low end; start at .10 to leave room for routers.
    for (let host = cidr.base + 10; host < cidr.base + cidr.size - 1; host++) {
      if (!used.has(intToIp(host))) return intToIp(host);
    }
    throw new CloudmcSimError(400, 'QUOTA_EXCEEDED', `No free address left in network ${network.name}`, {
      id: network.id,
      type: 'networks',
    });
  }

  /** A public address; the cursor moves on, so a released address does not come straight back. */
  allocatePublicIp(): string {
    const used = new Set([...this.publicIps.values()].map((p) => p.ipAddress));
    for (let step = 0; step < PUBLIC_POOL.length; step++) {
      const candidate = PUBLIC_POOL[(this.publicCursor + step) % PUBLIC_POOL.length];
      if (!used.has(candidate)) {
        this.publicCursor = (this.publicCursor + step + 1) % PUBLIC_POOL.length;
        return candidate;
      }
    }
    throw new CloudmcSimError(400, 'QUOTA_EXCEEDED', 'Public IP address quota exceeded', {
      type: 'publicipaddresses',
    });
  }
}
