import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBackends, type Backends } from './crash-backends';
import { spawnGateway, type GatewayProcess, type Signal } from './crash-process';
import { freePort, startExternalRedis, type ExternalRedis } from './external-redis';

/** The one API key of a crash run. */
export const CRASH_KEY = 'crash-admin-key-000000000000000';

/**
 * A deployment as an operator runs one: an external Redis with AOF, one api process, worker processes, all
 * from the build, over simulated backends living in the test process. The test kills and restarts any of them.
 */
export interface CrashCluster {
  readonly redis: ExternalRedis;
  readonly backends: Backends;
  readonly baseUrl: string;
  readonly workerCount: number;
  readonly api: GatewayProcess;
  /**
   * kill -9 worker `index` (once it is up) and start its replacement after `pauseMs`, without waiting for it:
   * the run goes on meanwhile, as it would in production.
   */
  crashWorker(index: number, pauseMs: number): Promise<void>;
  /** kill -9 the api, then start it again on the same port after `pauseMs`. */
  crashApi(pauseMs: number): Promise<void>;
  /** How long each gateway process took from spawn to ready, ms. */
  readonly boots: number[];
  /** The recent logs of every process started, dead or alive, to explain a failure. */
  logs(): string;
  /** Log signals of every process started so far, summed. */
  signals(): Partial<Record<Signal, number>>;
  close(): Promise<void>;
}

export interface ClusterOptions {
  /** Worker processes besides the api; 0 with `combined`. */
  workers: number;
  /** The api process runs the workers too (`GATEWAY_ROLE=all`): one process to start instead of two. */
  combined?: boolean;
  /** Simulator speed factor. */
  speed: number;
  /** Config sections replacing the defaults below, whole (shallow merge), e.g. `webhooks: {allowPrivateTargets: true}`. */
  config?: Record<string, unknown>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function configDocument(backends: Backends, speed: number): Record<string, unknown> {
  return {
    apiKeys: [{ name: 'crash', key: CRASH_KEY, scopes: ['read', 'write'], providers: ['*'] }],
    providers: backends.providers({
      pollIntervalMs: Math.round(1000 / speed),
      maxPollIntervalMs: Math.round(5000 / speed),
      timeoutMs: 15_000, // the product default: a create call may take long, and is never repeated blindly
      retries: 1,
      listDeadlineMs: 2_000,
    }),
    // Clients here retry on purpose: a rate limit would only hide what the crashes do.
    server: { rateLimitPerMinute: 0 },
    // A killed worker's jobs are taken over after the lock lapses: 5 s instead of a minute keeps runs short.
    // BullMQ renews the lock every 2.5 s while a step runs, however long its upstream call takes.
    tasks: { stalledIntervalMs: 1_000, lockDurationMs: 5_000 },
    cache: { freshMs: 1_000, staleMs: 60_000 },
  };
}

export async function startCrashCluster(options: ClusterOptions): Promise<CrashCluster> {
  const redis = await startExternalRedis('always');
  const backends = await startBackends(options.speed);
  const dir = mkdtempSync(join(tmpdir(), 'cloudmux-crash-config-'));
  const configPath = join(dir, 'gateway.yaml');
  writeFileSync(
    configPath,
    JSON.stringify({ ...configDocument(backends, options.speed), ...options.config }, null, 2),
  );
  const apiPort = await freePort();
  const boots: number[] = [];
  const everyone: GatewayProcess[] = [];
  const start = async (role: 'api' | 'worker') => {
    const began = Date.now();
    const started = await spawnGateway({
      configPath,
      redisUrl: redis.url,
      role: role === 'api' && options.combined ? 'all' : role,
      port: role === 'api' ? apiPort : 0,
    });
    boots.push(Date.now() - began);
    everyone.push(started);
    return started;
  };
  const [api, ...workers] = await Promise.all([
    start('api'),
    ...Array.from({ length: options.workers }, () => start('worker')),
  ]);
  // A slot holds its worker, or the start of its replacement.
  const slots = workers.map((worker) => Promise.resolve(worker));
  const cluster = {
    redis,
    backends,
    baseUrl: `http://127.0.0.1:${apiPort}`,
    workerCount: options.workers,
    api,
    boots,
    async crashWorker(index: number, pauseMs: number) {
      const victim = await slots[index];
      await victim.crash();
      slots[index] = sleep(pauseMs).then(() => start('worker'));
      // A replacement that cannot start shows as tasks that never end, not as an unhandled rejection here.
      slots[index].catch(() => undefined);
    },
    async crashApi(pauseMs: number) {
      await cluster.api.crash();
      await sleep(pauseMs);
      cluster.api = await start('api');
    },
    logs: () => everyone.map((p) => `--- ${p.role} ${p.pid}\n${p.output().slice(-20_000)}`).join('\n'),
    signals: () => {
      const sum: Partial<Record<Signal, number>> = {};
      for (const process of everyone)
        for (const [name, count] of Object.entries(process.signals()))
          if (count) sum[name as Signal] = (sum[name as Signal] ?? 0) + count;
      return sum;
    },
    async close() {
      const live = await Promise.allSettled(slots);
      await Promise.all(
        [cluster.api, ...live.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []))].map((p) =>
          p.stop().catch(() => undefined),
        ),
      );
      await backends.stop();
      await redis.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return cluster;
}
