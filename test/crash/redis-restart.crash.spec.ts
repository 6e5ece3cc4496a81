import type { Redis } from 'ioredis';
import { clientFor } from '../support/api';
import { observer } from '../support/crash-chaos';
import { CRASH_KEY, startCrashCluster, type CrashCluster } from '../support/crash-cluster';
import { expectNothingLostOrDuplicated } from '../support/crash-expect';
import { runPhase } from '../support/crash-phase';
import { printReport, type CrashReport } from '../support/crash-report';
import { seededRng } from '../support/crash-rng';
import { loadPicks } from '../support/crash-workload';
import { FULL, sized } from '../support/suite-size';

// Issue 8: Redis itself killed with kill -9 mid-run and started again on the same port and data directory.
//
// The contract asserted: Redis runs with `appendonly yes` and `appendfsync always`, so a write is on disk before
// Redis answers it. A task exists for a client once the gateway's accept script was answered (the 202 comes
// after it), hence every task a client was given survives the kill, and must end: lost = 0 over all accepted
// tasks, not only those before some last fsync. (With `everysec` the writes of the last second before a
// kill -9 may be lost, tasks included; the gateway cannot promise more than its Redis keeps.) The gateway must
// become ready again by itself, go on with the open tasks, and create no backend resource twice.

jest.setTimeout(sized(80_000, 600_000));

/** Simulated time runs 10 (full) or 20 (short) times faster: a server create takes one to four seconds. */
const SPEED = sized(20, 10);

const SIZE = {
  minTasks: sized(10, 200),
  afterMs: sized<[number, number]>([1_500, 3_000], [15_000, 40_000]),
  tailMs: sized(1_500, 10_000),
  concurrency: sized(6, 16),
  /** Short: one process with both roles (the run is mostly process start-up); full: an api and two workers. */
  workers: sized(0, 2),
};

describe('Redis killed and restarted mid-run (crash: AOF with appendfsync always, four backends)', () => {
  const rng = seededRng();
  const report: CrashReport = {
    suite: 'crash-redis-restart',
    seed: rng.seed,
    size: FULL ? 'full' : 'short',
    phases: {},
  };
  let cluster: CrashCluster;
  let redis: Redis;

  beforeAll(async () => {
    cluster = await startCrashCluster({ workers: SIZE.workers, combined: SIZE.workers === 0, speed: SPEED });
    redis = observer(cluster.redis.url);
  });

  afterAll(async () => {
    if (Object.keys(report.phases).length || report.checks)
      printReport({ ...report, boots: cluster.boots, signals: cluster.signals() }, cluster.logs());
    redis?.disconnect();
    await cluster?.close();
  });

  it('should keep every accepted task, become ready again and go on, with no backend resource made twice', async () => {
    expect(await redis.config('GET', 'appendfsync')).toEqual(['appendfsync', 'always']);
    const {
      audit,
      report: phase,
      chaos,
      chains,
      chaosError,
    } = await runPhase({
      cluster,
      observer: redis,
      rng,
      picks: await loadPicks(clientFor(cluster.baseUrl, CRASH_KEY)),
      known: new Set(),
      prefix: 'r',
      minTasks: SIZE.minTasks,
      concurrency: SIZE.concurrency,
      describe: `kill -9 Redis once under ${SIZE.workers ? `an api and ${SIZE.workers} workers` : 'one api+worker process'}, restarted on the same port and AOF after 0-1 s`,
      chaos: (c) => c.redis(cluster, { afterMs: SIZE.afterMs, pauseMs: [0, 1_000], tailMs: SIZE.tailMs }),
      killsRedis: true,
    });
    report.phases.redis = phase;
    expect(chaosError).toBeUndefined();
    expect(phase.kills.kills).toBe(1);
    expect(phase.kills.openAtKills).toBeGreaterThan(0);
    expect(chaos.readyAgain).toBe(true);
    // Tasks went on after the restart: some accepted then, and ended like the rest (checked below).
    const after = chains.flatMap((c) =>
      c.entries.filter(
        (e) => e.submitted.kind === 'accepted' && Date.parse(e.submitted.task.createdAt) > chaos.restartedAt!,
      ),
    );
    expect(after.length).toBeGreaterThan(0);
    expectNothingLostOrDuplicated(audit, SIZE.minTasks);
  });
});
