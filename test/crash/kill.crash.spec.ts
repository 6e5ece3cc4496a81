import type { Redis } from 'ioredis';
import { api, clientFor } from '../support/api';
import { connectionOf } from '../support/crash-backends';
import { CrashClient } from '../support/crash-client';
import { observer, until } from '../support/crash-chaos';
import { CRASH_KEY, startCrashCluster, type CrashCluster } from '../support/crash-cluster';
import { expectNothingLostOrDuplicated } from '../support/crash-expect';
import { runPhase } from '../support/crash-phase';
import { printReport, type CrashReport } from '../support/crash-report';
import { seededRng } from '../support/crash-rng';
import { simRequests } from '../support/crash-sim';
import { loadPicks, SSH_KEY, type Picks } from '../support/crash-workload';
import { FULL, sized } from '../support/suite-size';

// Issue 8: gateway processes killed with kill -9 at random moments over all four backends. Every task a
// client was given must end (lost = 0) and every create must leave exactly one backend resource
// (duplicates = 0), counted in the simulators.

jest.setTimeout(sized(100_000, 900_000));

const LIMITS = { attemptTimeoutMs: 10_000, giveUpMs: 60_000 };

/** Simulated time runs 10 (full) or 20 (short) times faster: a server create takes one to four seconds. */
const SPEED = sized(20, 10);

const SIZE = {
  workers: {
    minTasks: sized(10, 120),
    kills: sized(1, 12),
    gapMs: sized<[number, number]>([1_000, 2_500], [1_500, 5_000]),
    concurrency: sized(6, 12),
  },
  api: {
    minTasks: sized(10, 100),
    kills: sized(1, 12),
    gapMs: sized<[number, number]>([1_000, 2_500], [1_500, 4_000]),
    concurrency: sized(6, 12),
  },
};

describe('gateway processes killed with kill -9 mid-run (crash: external Redis with AOF, four backends)', () => {
  const rng = seededRng();
  const report: CrashReport = {
    suite: 'crash-kill',
    seed: rng.seed,
    size: FULL ? 'full' : 'short',
    phases: {},
  };
  const known = new Set<string>();
  let cluster: CrashCluster;
  let redis: Redis;
  let picks: Picks;

  beforeAll(async () => {
    // Two workers in the full run (one takes over while the other restarts); one in the short run, which
    // spends most of its time starting processes on a two-core machine.
    cluster = await startCrashCluster({ workers: sized(1, 2), speed: SPEED });
    redis = observer(cluster.redis.url);
    picks = await loadPicks(clientFor(cluster.baseUrl, CRASH_KEY));
  });

  afterAll(async () => {
    if (Object.keys(report.phases).length || report.checks)
      printReport({ ...report, boots: cluster.boots, signals: cluster.signals() }, cluster.logs());
    redis?.disconnect();
    await cluster?.close();
  });

  const common = () => ({ cluster, observer: redis, rng, picks, known });

  it('should lose no task and duplicate no backend resource when workers are killed at random moments', async () => {
    const {
      audit,
      report: phase,
      chaosError,
    } = await runPhase({
      ...common(),
      prefix: 'w',
      minTasks: SIZE.workers.minTasks,
      concurrency: SIZE.workers.concurrency,
      describe: `kill -9 one of ${cluster.workerCount} worker(s) ${SIZE.workers.kills} times, replaced after 0-1 s`,
      chaos: (chaos) =>
        chaos.workers(cluster, { kills: SIZE.workers.kills, gapMs: SIZE.workers.gapMs, pauseMs: [0, 1_000] }),
    });
    report.phases.workers = phase;
    expect(chaosError).toBeUndefined();
    expect(phase.kills.kills).toBe(SIZE.workers.kills);
    // The kills caught create calls in flight, which the resumed steps had to find instead of repeating.
    expect(phase.kills.createsInFlightAtKills).toBeGreaterThan(0);
    expectNothingLostOrDuplicated(audit, SIZE.workers.minTasks);
  });

  it('should lose no task and duplicate no backend resource when the api is killed with requests in flight', async () => {
    const {
      audit,
      report: phase,
      chaosError,
    } = await runPhase({
      ...common(),
      prefix: 'a',
      minTasks: SIZE.api.minTasks,
      concurrency: SIZE.api.concurrency,
      describe: `kill -9 the api ${SIZE.api.kills} times with a mutation in flight, restarted after 0-0.7 s`,
      chaos: (chaos) =>
        chaos.api(cluster, { kills: SIZE.api.kills, gapMs: SIZE.api.gapMs, pauseMs: [0, 700] }),
    });
    report.phases.api = phase;
    expect(chaosError).toBeUndefined();
    expect(phase.kills.kills).toBe(SIZE.api.kills);
    expect(phase.kills.inFlightAtKills).toBeGreaterThan(0);
    // Clients saw the api die (requests cut or refused), and every mutation they sent was answered in the end.
    expect(phase.client.transportErrors + phase.client.pollsWithoutAnswer).toBeGreaterThan(0);
    expectNothingLostOrDuplicated(audit, SIZE.api.minTasks);
  });

  // Found by the full run (a DCImanager delete failed "The server left this connection during the disk wipe").
  // Fixed in operation-runner.service.ts (the task is saved after each step); this guards it. The engine saved a
  // task after a run, not after each step of it: a worker that died after a later step acted
  // at the backend, before the run saved, leaves the task at an earlier step. Here the worker is killed while
  // the `release` step waits for the answer to the owner removal DCImanager has carried out: the task resumes at
  // `wait-wiped`, which finds the server gone from the connection and fails a delete that in fact succeeded.
  // Full run only (~15 s).
  (FULL ? it : it.skip)(
    'should finish a delete whose worker died after the backend released the server',
    async () => {
      const crash = new CrashClient(clientFor(cluster.baseUrl, CRASH_KEY), LIMITS, known);
      const dci = cluster.backends.dcimanager;
      const created = await crash.submit('release-race-create', (o) =>
        api.createServer({
          client: crash.client,
          body: {
            provider: connectionOf('dcimanager'),
            name: 'release-race',
            ...picks.dcimanager,
            sshPublicKeys: [SSH_KEY],
          },
          ...o,
        }),
      );
      if (created.kind !== 'accepted') throw new Error(`create not accepted: ${JSON.stringify(created)}`);
      const server = await crash.awaitTerminal(created.task.id, 60_000);
      expect(server?.status).toBe('succeeded');
      const edits = () => simRequests(dci.url, 'POST /api/dci/v3/server/:id');
      const releases = () => simRequests(dci.url, 'DELETE /api/dci/v3/server/:id/owner');
      const [editsBefore, releasesBefore] = [await edits(), await releases()];
      const deleted = await crash.submit('release-race-delete', (o) =>
        api.deleteServer({ client: crash.client, path: { id: server!.resource.id! }, ...o }),
      );
      if (deleted.kind !== 'accepted') throw new Error(`delete not accepted: ${JSON.stringify(deleted)}`);
      try {
        // `release` clears the name, then removes the owner: from the first call on, answers take 2 s to come
        // back, so the worker is still waiting for the second when it is killed, after DCImanager carried it out.
        expect(await until(async () => (await edits()) > editsBefore, 30_000)).toBe(true);
        cluster.backends.delayAnswers('dcimanager', 2_000);
        expect(await until(async () => (await releases()) > releasesBefore, 10_000)).toBe(true);
        for (let i = 0; i < cluster.workerCount; i++) await cluster.crashWorker(i, 0);
      } finally {
        cluster.backends.delayAnswers('dcimanager');
      }
      const done = await crash.awaitTerminal(deleted.task.id, 60_000);
      report.checks = {
        ...report.checks,
        releaseRace: { task: done?.status, error: done?.error?.detail ?? null },
      };
      expect(done?.status).toBe('succeeded');
    },
  );
});
