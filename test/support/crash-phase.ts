import type { Redis } from 'ioredis';
import { clientFor } from './api';
import { audit, type AuditFigures } from './crash-audit';
import { Chaos } from './crash-chaos';
import { CrashClient } from './crash-client';
import { CRASH_KEY, type CrashCluster } from './crash-cluster';
import type { PhaseReport } from './crash-report';
import { childRng, type Rng } from './crash-rng';
import { runWorkload, type ChainResult, type Picks } from './crash-workload';

/** One workload under one chaos, audited at the end; the run's suites are sequences of these. */
export interface PhaseOptions {
  cluster: CrashCluster;
  observer: Redis;
  rng: Rng;
  picks: Picks;
  /** Chain names start with it. */
  prefix: string;
  minTasks: number;
  concurrency: number;
  /** Task ids clients were given in the whole run (this phase's are added as they come). */
  known: Set<string>;
  describe: string;
  chaos(chaos: Chaos): Promise<void>;
  /** The chaos kills Redis (its kills are Redis restarts), not gateway processes. */
  killsRedis?: boolean;
}

export interface PhaseOutcome {
  audit: AuditFigures;
  report: PhaseReport;
  chaos: Chaos;
  chains: ChainResult[];
  /** What made the chaos stop early (a process that did not start again), if anything. */
  chaosError?: unknown;
}

/** How long one task may take to end, takeovers after kills included. */
const TASK_MAX_MS = 90_000;

export async function runPhase(options: PhaseOptions): Promise<PhaseOutcome> {
  const crash = new CrashClient(
    clientFor(options.cluster.baseUrl, CRASH_KEY),
    { attemptTimeoutMs: 10_000, giveUpMs: 60_000 },
    options.known,
  );
  const chaos = new Chaos(childRng(options.rng, `${options.prefix}:chaos`), options.observer, crash);
  const started = Date.now();
  // Settled, not all: a chaos that fails stops new chains, and the ones running still end and are audited.
  const [workload, chaosRun] = await Promise.allSettled([
    runWorkload({
      rng: childRng(options.rng, `${options.prefix}:workload`),
      prefix: options.prefix,
      minTasks: options.minTasks,
      concurrency: options.concurrency,
      busy: () => !chaos.done,
      crash,
      picks: options.picks,
      taskMaxMs: TASK_MAX_MS,
    }),
    options.chaos(chaos),
  ]);
  if (workload.status === 'rejected') throw workload.reason;
  const chains = workload.value;
  // A call from a run that should not exist (two runs of one task) may still be on its way: let it land.
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const figures = await audit(crash, options.cluster.backends, chains, options.known);
  return {
    audit: figures,
    chaos,
    chains,
    chaosError: chaosRun.status === 'rejected' ? chaosRun.reason : undefined,
    report: {
      chaos: options.describe,
      kills: chaos.figures,
      redisRestarts: options.killsRedis ? chaos.figures.kills : 0,
      client: crash.figures,
      audit: figures,
      wallMs: Date.now() - started,
    },
  };
}
