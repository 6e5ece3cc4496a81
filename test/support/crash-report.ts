import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditFigures } from './crash-audit';
import type { ChaosFigures } from './crash-chaos';
import type { ClientFigures } from './crash-client';

/** One phase of a crash run: a workload under one kind of chaos. */
export interface PhaseReport {
  chaos: string;
  kills: ChaosFigures;
  redisRestarts: number;
  client: ClientFigures;
  audit: AuditFigures;
  wallMs: number;
}

export interface CrashReport {
  suite: string;
  seed: number;
  size: 'short' | 'full';
  phases: Record<string, PhaseReport>;
  /** Spawn-to-ready times of every gateway process of the run, ms. */
  boots?: number[];
  /** Outcomes of targeted scenarios, by name. */
  checks?: Record<string, unknown>;
  /** Gateway log lines that show how it coped (see crash-process.ts SIGNALS), over the whole run. */
  signals?: Record<string, number>;
}

/**
 * The figures the closing note quotes: printed once, and kept as JSON under the OS temp dir, with the gateway
 * processes' recent logs beside them (`.log`) to explain what went wrong, if anything did.
 */
export function printReport(report: CrashReport, logs?: string): string {
  const path = join(tmpdir(), `cloudmux-${report.suite}-${report.seed}-${Date.now()}.json`);
  writeFileSync(path, JSON.stringify(report, null, 2));
  if (logs) writeFileSync(path.replace(/\.json$/, '.log'), logs);
  const lines = [
    `${report.suite} (${report.size}), seed ${report.seed} (CRASH_SEED=${report.seed} replays it)`,
  ];
  for (const [name, phase] of Object.entries(report.phases)) {
    const { audit, client, kills } = phase;
    lines.push(
      `  ${name}: ${phase.chaos}; ${kills.kills} kills, ${phase.redisRestarts} Redis restarts, ${Math.round(phase.wallMs / 1000)} s`,
      `    tasks submitted ${audit.submitted}, accepted ${audit.accepted}, refused ${JSON.stringify(audit.refused)}, gave up ${audit.gaveUp}`,
      `    lost ${audit.lost.length}, duplicates ${audit.duplicates.length}, unclaimed ${audit.unclaimed.length}, missing ${audit.missing.length}, leftovers ${audit.leftovers.length}, name mismatches ${audit.nameMismatches.length}`,
      `    needs attention ${audit.needsAttention.length}${audit.needsAttention.map((n) => `\n      ${n.task} ${n.operation} ${n.provider}: ${n.detail}`).join('')}`,
      `    terminal states ${JSON.stringify(audit.histogram)}`,
      `    slowest tasks: ${audit.slowest.join('; ')}`,
      `    at the kills: ${kills.openAtKills} open tasks, ${kills.activeAtKills} active jobs, ${kills.createsInFlightAtKills} create calls in flight, ${kills.inFlightAtKills} client mutations in flight`,
      `    clients: ${client.attempts} mutation attempts, ${client.transportErrors} without answer, ${client.retryableAnswers} 5xx/429, ${client.answerLostTaskKept} answers lost with the task kept; ${client.pollsWithoutAnswer} task reads without answer`,
    );
    for (const [what, items] of Object.entries({
      lost: audit.lost,
      duplicates: audit.duplicates,
      unclaimed: audit.unclaimed,
      missing: audit.missing,
      leftovers: audit.leftovers,
      failed: audit.failures,
    }))
      for (const item of items) lines.push(`    ${what}: ${item}`);
  }
  for (const [name, outcome] of Object.entries(report.checks ?? {}))
    lines.push(`  ${name}: ${JSON.stringify(outcome)}`);
  if (report.signals) lines.push(`  gateway log signals: ${JSON.stringify(report.signals)}`);
  if (report.boots?.length)
    lines.push(
      `  gateway processes started: ${report.boots.length}, ready after ${report.boots.map((b) => (b / 1000).toFixed(1)).join(' ')} s`,
    );
  lines.push(`  figures: ${path}${logs ? `, gateway logs: ${path.replace(/\.json$/, '.log')}` : ''}`);
  console.log(lines.join('\n'));
  return path;
}
