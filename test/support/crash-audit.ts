import type { Task } from '../generated/client';
import { api } from './api';
import { BACKENDS, connectionOf, type Backends } from './crash-backends';
import { census } from './crash-census';
import type { CrashClient } from './crash-client';
import type { ChainResult, TaskEntry } from './crash-workload';

/**
 * The end of a crash run, checked against what clients were told and what the backends hold:
 * - lost: a task a client got a 202 for that the gateway no longer knows, or that never ended;
 * - unclaimed: a task in the gateway that no client's answer named (an Idempotency-Key that did not hold);
 * - duplicates: backend resources beyond the one a create may leave (two with one task's name or marker; one
 *   left after its delete succeeded; any for a create the gateway refused);
 * - missing: a succeeded create whose resource the backend does not hold.
 */
export interface AuditFigures {
  submitted: number;
  accepted: number;
  refused: Record<string, number>;
  gaveUp: number;
  lost: string[];
  unclaimed: string[];
  duplicates: string[];
  missing: string[];
  /** Failed creates that left their one resource behind (expected for needs_attention: a person decides). */
  leftovers: string[];
  /** Succeeded creates whose result does not carry the requested name (a marker leaked). */
  nameMismatches: string[];
  needsAttention: Array<{ task: string; operation: string; provider: string; detail: string }>;
  /** Every failed task with its problem, to explain the histogram. */
  failures: string[];
  /** Terminal outcomes: `succeeded`, `failed:<code>`, `canceled`. */
  histogram: Record<string, number>;
  /** The longest tasks (created to ended), which show what a takeover cost. */
  slowest: string[];
}

const TERMINAL = new Set(['succeeded', 'failed', 'canceled']);
const bump = (counts: Record<string, number>, key: string) => (counts[key] = (counts[key] ?? 0) + 1);

async function storedTaskIds(crash: CrashClient): Promise<Set<string>> {
  const ids = new Set<string>();
  for (const kind of BACKENDS) {
    let pageToken: string | undefined;
    do {
      const page = await api.listTasks({
        client: crash.client,
        query: { provider: connectionOf(kind), pageSize: 500, pageToken },
      });
      if (!page.data) throw new Error(`GET /v1/tasks failed: ${JSON.stringify(page.error)}`);
      for (const task of page.data.items) ids.add(task.id);
      pageToken = page.data.nextPageToken ?? undefined;
    } while (pageToken);
  }
  return ids;
}

/** The task as the gateway knows it now (it must still exist, ended, after every crash). */
async function current(crash: CrashClient, entry: TaskEntry): Promise<Task | null> {
  if (entry.submitted.kind !== 'accepted') return null;
  return crash.awaitTerminal(entry.submitted.task.id, entry.final ? 15_000 : 30_000);
}

function checkCreate(backends: Backends, chain: ChainResult, figures: AuditFigures): void {
  const [create, ...later] = chain.entries;
  const { plan } = chain;
  const query = { kind: plan.kind, resource: plan.resource, name: plan.name };
  const label = `${plan.id} (${plan.kind} ${plan.resource})`;
  if (create.submitted.kind !== 'accepted') {
    const found = census(backends, { ...query, taskId: '' });
    if (found.primary > 0)
      figures.duplicates.push(`${label}: ${found.primary} made for a create never accepted`);
    return;
  }
  const task = create.final;
  const found = census(backends, { ...query, taskId: create.submitted.task.id });
  const deleted = later.some((e) => e.operation.endsWith('.delete') && e.final?.status === 'succeeded');
  const deleteTried = later.some((e) => e.operation.endsWith('.delete'));
  const allowed = task?.status === 'succeeded' && deleted ? 0 : 1;
  if (found.primary > allowed)
    figures.duplicates.push(`${label}: ${found.primary} resources, ${allowed} allowed`);
  if (found.parts > allowed) figures.duplicates.push(`${label}: ${found.parts} companion resources`);
  if (task?.status === 'succeeded') {
    const nativeId = task.resource.id?.slice(connectionOf(plan.kind).length + 1) ?? '';
    if (!deleteTried && !found.ids.includes(nativeId))
      figures.missing.push(
        `${label}: task ${task.id} names ${task.resource.id}; backend holds [${found.ids.join(', ')}]`,
      );
    if ((task.result as { name?: string } | null)?.name !== plan.name)
      figures.nameMismatches.push(`${label}: ${(task.result as { name?: string } | null)?.name}`);
  } else if (task && found.primary > 0) {
    figures.leftovers.push(`${label}: task ${task.id} ${task.error?.code} left ${found.primary}`);
  }
}

export async function audit(
  crash: CrashClient,
  backends: Backends,
  chains: ChainResult[],
  /** Every task id any client of the whole run was given (earlier phases included). */
  known: Set<string>,
): Promise<AuditFigures> {
  const figures: AuditFigures = {
    submitted: 0,
    accepted: 0,
    refused: {},
    gaveUp: 0,
    lost: [],
    unclaimed: [],
    duplicates: [],
    missing: [],
    leftovers: [],
    nameMismatches: [],
    needsAttention: [],
    histogram: {},
    failures: [],
    slowest: [],
  };
  const durations: Array<{ label: string; ms: number }> = [];
  for (const chain of chains) {
    for (const entry of chain.entries) {
      figures.submitted++;
      const { submitted } = entry;
      if (submitted.kind === 'refused') bump(figures.refused, `${submitted.status} ${submitted.code}`);
      if (submitted.kind === 'gave-up') figures.gaveUp++;
      if (submitted.kind !== 'accepted') continue;
      figures.accepted++;
      const task = await current(crash, entry);
      entry.final = task;
      if (!task || !TERMINAL.has(task.status)) {
        figures.lost.push(
          `${submitted.task.id} ${entry.operation} (${chain.plan.id}): ${task?.status ?? 'gone'}`,
        );
        continue;
      }
      bump(figures.histogram, task.status === 'failed' ? `failed:${task.error?.code}` : task.status);
      const ms = Date.parse(task.completedAt ?? task.updatedAt) - Date.parse(task.createdAt);
      durations.push({ label: `${task.id} ${task.operation} ${task.provider}`, ms });
      if (task.status === 'failed') {
        const step = task.steps.find((s) => s.status === 'failed')?.name;
        const upstream = task.error?.upstream ? ` upstream ${JSON.stringify(task.error.upstream)}` : '';
        figures.failures.push(
          `${task.id} ${task.operation} ${task.provider} (${chain.plan.id}) at ${step}: ${task.error?.code}: ${task.error?.detail}${upstream}`,
        );
      }
      if (task.error?.code === 'needs_attention') {
        const detail = task.error.detail ?? '';
        figures.needsAttention.push({
          task: task.id,
          operation: task.operation,
          provider: task.provider,
          detail,
        });
      }
    }
    checkCreate(backends, chain, figures);
  }
  figures.slowest = durations
    .sort((a, b) => b.ms - a.ms)
    .slice(0, 3)
    .map((d) => `${d.label} ${(d.ms / 1000).toFixed(1)} s`);
  for (const id of await storedTaskIds(crash)) if (!known.has(id)) figures.unclaimed.push(id);
  return figures;
}
