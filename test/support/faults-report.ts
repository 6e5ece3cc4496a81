import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AnswerTally } from './faults-http';
import type { FaultLedger } from './faults-ledger';
import { FULL } from './suite-size';

/** One jest run: its Redis (started by globalSetup) is its own. */
const RUN = process.env.TEST_REDIS_URL ?? String(process.ppid);
/**
 * The run's own folder. The suite files of a run may write from different jest workers, which share nothing but
 * the environment globalSetup leaves (TEST_REDIS_URL, whose port no other run holds at the same time), so the
 * folder is named after the run rather than made by mkdtemp in each worker.
 */
const DIR = join(tmpdir(), `cloudmux-faults-${RUN.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '')}`);

interface SuiteFigures {
  run: string;
  suite: string;
  faultsInjected: Record<string, Record<string, number>>;
  gatewayRequests: number;
  providerProblems5xx: Record<string, number>;
  internal5xx: number;
  tasksRun?: number;
  taskEnds?: Record<string, number>;
}

function add(into: Record<string, number>, from: Record<string, number> = {}): void {
  for (const [key, n] of Object.entries(from)) into[key] = (into[key] ?? 0) + n;
}

/** Sums the figures of every suite file of this run written so far into `summary.json`. */
function summarize(): string {
  const suites = readdirSync(DIR)
    .filter((file) => file.endsWith('.json') && file !== 'summary.json')
    .map((file) => JSON.parse(readFileSync(join(DIR, file), 'utf8')) as SuiteFigures)
    .filter((figures) => figures.run === RUN);
  const faults: Record<string, Record<string, number>> = {};
  const provider5xx: Record<string, number> = {};
  const taskEnds: Record<string, number> = {};
  for (const figures of suites) {
    for (const [kind, byLabel] of Object.entries(figures.faultsInjected)) add((faults[kind] ??= {}), byLabel);
    add(provider5xx, figures.providerProblems5xx);
    add(taskEnds, figures.taskEnds);
  }
  const summary = {
    run: RUN,
    size: FULL ? 'full' : 'short',
    suites: suites.map((figures) => figures.suite).sort(),
    faultsInjectedByBackend: faults,
    faultsInjectedTotal: Object.values(faults)
      .flatMap((byLabel) => Object.values(byLabel))
      .reduce((sum, n) => sum + n, 0),
    gatewayRequests: suites.reduce((sum, figures) => sum + figures.gatewayRequests, 0),
    providerProblems5xx: provider5xx,
    internal5xx: suites.reduce((sum, figures) => sum + figures.internal5xx, 0),
    tasksRun: suites.reduce((sum, figures) => sum + (figures.tasksRun ?? 0), 0),
    taskEnds,
  };
  const path = join(DIR, 'summary.json');
  writeFileSync(path, JSON.stringify(summary, null, 2));
  return path;
}

/**
 * Writes the figures of one fault suite file to `<tmp>/cloudmux-faults-<run>/<suite>.json`, adds them up with the
 * other files of the same run in `summary.json`, and prints them once: faults the simulators really applied
 * (by backend and kind), requests made to the gateway and what it answered (provider problems apart from raw
 * 5xx), plus whatever the suite adds (tasks and how they ended...).
 */
export function reportFigures(
  suite: string,
  ledger: FaultLedger,
  tally: AnswerTally,
  extra: Record<string, unknown> = {},
): string {
  const figures = {
    run: RUN,
    suite,
    size: FULL ? 'full' : 'short',
    faultsInjected: ledger.hits,
    faultsInjectedTotal: Object.values(ledger.hits)
      .flatMap((byLabel) => Object.values(byLabel))
      .reduce((sum, n) => sum + n, 0),
    gatewayRequests: tally.requests,
    gatewayAnswersByStatus: tally.byStatus,
    providerProblems5xx: tally.provider5xx,
    internal5xx: tally.bad5xx.length,
    internal5xxSeen: tally.bad5xx,
    errorAnswersWithoutProblemJson: tally.notProblem.length,
    ...extra,
  };
  mkdirSync(DIR, { recursive: true });
  const path = join(DIR, `${suite}.json`);
  writeFileSync(path, JSON.stringify(figures, null, 2));
  const summary = summarize();
  console.log(
    `fault suite figures (${path}; this run so far: ${summary}):\n${JSON.stringify(figures, null, 1)}`,
  );
  return path;
}
