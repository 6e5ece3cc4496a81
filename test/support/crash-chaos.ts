import { Redis } from 'ioredis';
import { keys } from '../../src/common/redis/keys';
import type { CrashClient } from './crash-client';
import type { CrashCluster } from './crash-cluster';
import type { Rng } from './crash-rng';

/**
 * Kills at random moments (seeded), each only once there is work in flight to interrupt (waited for a bounded
 * time), and says how much work each kill caught.
 */
export interface ChaosFigures {
  kills: number;
  /** Open tasks (accepted, not ended) at the moments of the kills, summed. */
  openAtKills: number;
  /** BullMQ jobs being run by some worker at the moments of the kills, summed. */
  activeAtKills: number;
  /** Client mutations sent and not yet answered at the moments of the kills, summed. */
  inFlightAtKills: number;
  /**
   * Tasks with a non-idempotent step (a create call) marked in flight at the moments of the kills, summed: the
   * ones a killed worker leaves for another to resume by looking for what the call made.
   */
  createsInFlightAtKills: number;
}

export interface ChaosOptions {
  kills: number;
  /** Time between kills, ms. */
  gapMs: [number, number];
  /** Time a killed process stays dead, ms. */
  pauseMs: [number, number];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Every connection's open-task set and active-job list (one of each per connection: docs/design.md#redis-topology). */
const OPEN_TASKS = 'gw:{*}:open';
const ACTIVE_JOBS = 'gw:bull:ops-{*}:active';
const connectionOfKey = (key: string) => key.slice(key.indexOf('{') + 1, key.indexOf('}'));

async function openTasks(redis: Redis): Promise<Array<{ connection: string; taskId: string }>> {
  const sets = await redis.keys(OPEN_TASKS);
  const members = await Promise.all(sets.map((set) => redis.smembers(set)));
  return sets.flatMap((set, i) => members[i].map((taskId) => ({ connection: connectionOfKey(set), taskId })));
}

async function activeJobs(redis: Redis): Promise<number> {
  const lists = await redis.keys(ACTIVE_JOBS);
  const lengths = await Promise.all(lists.map((list) => redis.llen(list)));
  return lengths.reduce((sum, n) => sum + n, 0);
}

/** Reads the gateway's Redis the way an operator would look at it; survives Redis restarts. */
export function observer(url: string): Redis {
  const redis = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true });
  redis.on('error', () => undefined);
  return redis;
}

/** Whether a task's record says a non-idempotent step (a create call) is in flight; the engine marks it before the call. */
async function createCallInFlight(redis: Redis, connection: string, taskId: string): Promise<boolean> {
  const json = await redis.hget(keys.task(connection, taskId), 'internal');
  return !!json && !!(JSON.parse(json) as { stepInFlight?: boolean }).stepInFlight;
}

/** Waits until `condition` holds or `maxMs` passed; true if it held. A condition that throws counts as false. */
export async function until(condition: () => boolean | Promise<boolean>, maxMs: number): Promise<boolean> {
  const deadline = Date.now() + maxMs;
  for (;;) {
    if (
      await Promise.resolve()
        .then(condition)
        .catch(() => false)
    )
      return true;
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
}

async function ready(baseUrl: string): Promise<boolean> {
  const response = await fetch(`${baseUrl}/health/ready`, { signal: AbortSignal.timeout(2_000) });
  return response.status === 200;
}

export class Chaos {
  readonly figures: ChaosFigures = {
    kills: 0,
    openAtKills: 0,
    activeAtKills: 0,
    inFlightAtKills: 0,
    createsInFlightAtKills: 0,
  };
  done = false;
  /** After a Redis restart: whether the api answered /health/ready 200 again (null: no restart yet). */
  readyAgain: boolean | null = null;
  /** When Redis served again after its restart (epoch ms). */
  restartedAt: number | null = null;

  constructor(
    private readonly rng: Rng,
    private readonly store: Redis,
    private readonly crash: CrashClient,
  ) {}

  /**
   * kill -9 a random worker `kills` times, each restarted after a random pause; each kill waits (up to 10 s) for
   * a create call in flight, the moment crash-safe creates are about.
   */
  async workers(cluster: CrashCluster, options: ChaosOptions): Promise<void> {
    await this.run(options, async (pauseMs) => {
      await until(async () => (await this.createsInFlight()) > 0, 10_000);
      await this.count();
      await cluster.crashWorker(this.rng.between(0, cluster.workerCount - 1), pauseMs);
    });
  }

  /** kill -9 the api `kills` times, each once a client mutation is in flight (waited up to 10 s), restarted after a pause. */
  async api(cluster: CrashCluster, options: ChaosOptions): Promise<void> {
    await this.run(options, async (pauseMs) => {
      await until(() => this.crash.inFlight > 0, 10_000);
      await this.count();
      await cluster.crashApi(pauseMs);
    });
  }

  /**
   * kill -9 Redis once, after a random time and once a create call is in flight, start it again on the same port and AOF,
   * wait until the api is ready again, then let the workload go on for `tailMs` on the restarted Redis.
   */
  async redis(
    cluster: CrashCluster,
    options: { afterMs: [number, number]; pauseMs: [number, number]; tailMs: number },
  ) {
    await this.run({ kills: 1, gapMs: options.afterMs, pauseMs: options.pauseMs }, async (pauseMs) => {
      // Best when a create call is in flight: its mark was fsynced, its answer will find Redis gone.
      await until(async () => (await this.createsInFlight()) > 0, 3_000);
      await this.count();
      await cluster.redis.crash();
      await sleep(pauseMs);
      await cluster.redis.restart();
      this.restartedAt = Date.now();
      this.readyAgain = await until(() => ready(cluster.baseUrl), 60_000);
      await sleep(options.tailMs);
    });
  }

  private async run(options: ChaosOptions, kill: (pauseMs: number) => Promise<void>): Promise<void> {
    try {
      for (let i = 0; i < options.kills; i++) {
        await sleep(this.rng.between(...options.gapMs));
        await kill(this.rng.between(...options.pauseMs));
        this.figures.kills++;
      }
    } finally {
      this.done = true;
    }
  }

  /** Open tasks whose record says a non-idempotent step is in flight. */
  private async createsInFlight(): Promise<number> {
    const open = await openTasks(this.store);
    const marks = await Promise.all(
      open.map(({ connection, taskId }) => createCallInFlight(this.store, connection, taskId)),
    );
    return marks.filter(Boolean).length;
  }

  private async count(): Promise<void> {
    this.figures.createsInFlightAtKills += await this.createsInFlight().catch(() => 0);
    this.figures.inFlightAtKills += this.crash.inFlight;
    this.figures.openAtKills += await openTasks(this.store)
      .then((open) => open.length)
      .catch(() => 0);
    this.figures.activeAtKills += await activeJobs(this.store).catch(() => 0);
  }
}
