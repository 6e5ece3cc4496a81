import { type BenchContext, type BenchSimulator, gatewayCall, simControl } from '../lib/context';
import { callsBetween, isListOperation, scrapeCalls, wasSent } from '../lib/metrics';
import { BackendObserver } from '../lib/observer';
import { type PolledCollection, PollCounter } from '../lib/poll-counter';
import { type CreatePlacement, placeCreates } from '../lib/pools';
import { rssMb } from '../lib/processes';
import {
  type FamilyBytes,
  growth,
  historyBytes,
  keySpace,
  openTaskIds,
  openTasks,
  ownerBytes,
} from '../lib/redis-accounting';
import { keysPerNode, usedMemory } from '../lib/redis-target';

/** One backend's figures: what issue 16 asks the 10,000-task run to report per backend. */
export interface BackendResult {
  kind: string;
  connection: string;
  /** Creates the bench meant to place here, and how their pool was sized (bench/lib/pools.ts). */
  share: number;
  placement: string;
  /** Answered 202 (a task). */
  accepted: number;
  /** Tasks that ended `succeeded`. */
  completed: number;
  failed: number;
  canceled: number;
  /** Accepted, never ended within the run's deadline. */
  lost: number;
  /** Requests that made more than one backend server. */
  duplicated: number;
  /** Why the others did not complete, by error code (`not accepted: <status> <code>`, `failed: <code>[/<upstream>]`). */
  failures: Record<string, number>;
  /** One `detail` of each failure code, to tell what it was. */
  failureExamples: Record<string, string>;
  p50DetectLagMs: number | null;
  p99DetectLagMs: number | null;
  lagSamples: number;
  /** Mean width of the interval the bench knows a backend's running time within (bench/lib/observer.ts). */
  lagResolutionMs: number | null;
  /**
   * Backend calls the gateway sent (its own counters, every process: attempts, less those that never left it),
   * and per second of the run.
   */
  upstreamCalls: number;
  upstreamCallsPerSecond: number;
  /** Attempts the gateway counted that never left it (breaker open, budget exhausted). */
  notSent: number;
  /**
   * What the backend received from the gateway: the simulator's own count, less the attempts of the bench's
   * observer that got an answer from it; and per second. Below `upstreamCalls` when calls were sent but never
   * processed (a call the gateway gave up on before the simulator read it).
   */
  receivedByBackend: number;
  receivedPerSecond: number;
  /**
   * Lists the shared polls made for the waiting tasks (one per collection per tick is the aim), by collection,
   * counted in Redis (bench/lib/poll-counter.ts), and the most of any collection per tick (between its first
   * list and its last).
   */
  polledLists: Record<string, number>;
  polledListsPerTick: number | null;
  /** Every list request the gateway sent (polls and the creates' own look-ups; each page of a paged list). */
  listRequests: number;
  listRequestsPerTick: number;
  /** The gateway's attempts by `<operation> <outcome>`. */
  callsByOperation: Record<string, number>;
  /** The observer's attempts by outcome. */
  observerAttempts: Record<string, number>;
  /** Growth of the connection's own keys (its hash tag) at the end, ÷ ended tasks. */
  redisBytesPerEndedTask: number | null;
  /** Its keys' growth when the submission ended, less what the ended tasks hold, ÷ the tasks then in flight. */
  redisBytesPerInFlightTask: number | null;
  inFlightAtSample: number;
  redisGrowth: Record<string, FamilyBytes>;
}

export interface TasksSummary {
  count: number;
  accepted: number;
  completed: number;
  failed: number;
  lost: number;
  duplicated: number;
  p50DetectLagMs: number | null;
  p99DetectLagMs: number | null;
  pollIntervalMs: number;
  upstreamCallsPerConnectionPerSecond: number | null;
  /** used_memory growth over the run (sum over the nodes) ÷ ended tasks: everything, allocator overhead included. */
  redisBytesPerTask: number | null;
  /** Growth of the keys of no connection (webhooks, rate limits, untagged) ÷ ended tasks. */
  redisSharedBytesPerTask: number | null;
  historyBytesPerEntry: number | null;
  historyLineBytes: number | null;
  historyEntries: number;
  historyLists: number;
  /** Peak RSS of each worker process (MiB). */
  workersRssMb: number[];
  workerRssMb: number;
}

export interface TasksResult {
  summary: TasksSummary;
  perBackend: Record<string, BackendResult>;
  durationSeconds: number;
  submitSeconds: number;
  /** Keys per Redis node at the end (one entry on one Redis; one per shard on a cluster). */
  keysPerNode: number[];
  /** Growth of the keys of no connection, by family. */
  sharedRedisGrowth: Record<string, FamilyBytes>;
}

interface Submitted {
  name: string;
  simulator: BenchSimulator;
  taskId: string | null;
  refusal?: string;
}

interface Ended {
  status: string;
  completedAt: string | null;
  code: string | null;
  detail: string | null;
}

interface TaskView {
  id: string;
  status: string;
  completedAt: string | null;
  error?: { code?: string; detail?: string; upstream?: { code?: string | number; status?: number } } | null;
}

/**
 * How often the bench's observers list each backend: every 250 ms, slower for large runs (each list of thousands of
 * servers costs the machine the gateway runs on), at most every second. The lag's resolution is in the results.
 */
const observeEveryMs = (taskCount: number) => Math.min(1_000, Math.max(250, Math.round(taskCount / 10)));
/** How often the bench looks for tasks that ended (their own `completedAt` times the lag, not this). */
const CHECK_EVERY_MS = 2_000;
const SUBMIT_CONCURRENCY = 100;
const TERMINAL = ['succeeded', 'failed', 'canceled'];
/** What a backend needs beyond name, image and plan: a bare-metal OS install needs a way in. */
const CREATE_EXTRAS: Record<string, Record<string, unknown>> = {
  dcimanager: {
    sshPublicKeys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBenchBenchBenchBenchBenchBenchBenchBench bench'],
  },
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function percentile(values: number[], p: number): number | null {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const count = (into: Record<string, number>, key: string) => (into[key] = (into[key] ?? 0) + 1);

/** How many creates a backend can take (plans say how many are `available`), and with what image and plan. */
async function capacity(
  context: BenchContext,
  name: string,
): Promise<{ imageId: string; planId: string; max: number }> {
  const images = await gatewayCall<{ items: Array<{ id: string }> }>(
    context,
    'GET',
    `/v1/providers/${name}/images`,
  );
  const plans = await gatewayCall<{
    items: Array<{ id: string; custom: boolean; available: number | null }>;
  }>(context, 'GET', `/v1/providers/${name}/plans`);
  const fixed = plans.body.items.filter((p) => !p.custom && p.available !== 0);
  const plan = fixed.sort((a, b) => (b.available ?? Infinity) - (a.available ?? Infinity))[0];
  return { imageId: images.body.items[0].id, planId: plan.id, max: plan.available ?? Infinity };
}

const codeOf = (task: TaskView): string | null =>
  task.error
    ? `${task.error.code ?? 'unknown'}${task.error.upstream?.code !== undefined ? `/${task.error.upstream.code}` : ''}`
    : null;

/**
 * N server creates in flight at once, spread evenly over every backend (each backend's pools sized first, so none
 * runs dry: bench/lib/pools.ts). Counts per backend: completions, lost tasks (never ended) and duplicated servers
 * (two backend servers for one request), the detection lag (task completed − backend running, watched straight
 * on the backends), the gateway's backend calls per connection per second and list calls per tick, Redis bytes per
 * ended and per in-flight task (the connection's own keys, summed over the nodes), and each worker's RSS.
 */
export async function tasks(context: BenchContext): Promise<TasksResult> {
  const plans = await Promise.all(context.simulators.map((s) => capacity(context, s.name)));
  const share: number[] = context.simulators.map(() => 0);
  for (let i = 0, placed = 0; placed < context.taskCount && i < context.taskCount * 4; i++) {
    const at = i % context.simulators.length;
    if (share[at] < plans[at].max) {
      share[at]++;
      placed++;
    }
  }
  const placements: CreatePlacement[] = [];
  for (const [at, simulator] of context.simulators.entries())
    placements.push(await placeCreates(context, simulator, share[at]));
  share.forEach((n, at) => {
    if (n < Math.floor(context.taskCount / context.simulators.length))
      console.warn(`${context.simulators[at].name}: only ${n} creates fit (plan capacity ${plans[at].max})`);
  });

  const gatewayUrls = [context.api.url, ...context.workers.map((w) => w.url)];
  await Promise.all(context.simulators.map((s) => simControl(s, 'DELETE', '/stats')));
  const observers = context.simulators.map((s) => new BackendObserver(s));
  const callsBefore = await scrapeCalls(gatewayUrls, context.key);
  const memoryBefore = await usedMemory(context.redis);
  const spaceBefore = await keySpace(context.redis);
  const polls = new PollCounter();
  await polls.start(context.redis);
  observers.forEach((observer) => observer.start(observeEveryMs(context.taskCount)));
  const rss = context.workers.map(() => 0);
  const sampleRss = () =>
    context.workers.forEach((worker, i) => {
      try {
        rss[i] = Math.max(rss[i], rssMb(worker.process.pid!));
      } catch {
        // the process is gone: its exit was reported
      }
    });
  const rssTimer = setInterval(sampleRss, 1_000);
  const started = Date.now();

  const work: Array<{ simulator: BenchSimulator; at: number; name: string; extra: Record<string, unknown> }> =
    [];
  for (let i = 0; i < Math.max(...share); i++) {
    // Interleaved, so every backend has work in flight from the first second.
    context.simulators.forEach((simulator, at) => {
      if (i < share[at])
        work.push({
          simulator,
          at,
          name: `bench-${at}-${i}`,
          extra: placements[at].extras[i % placements[at].extras.length],
        });
    });
  }
  const submitted: Submitted[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: SUBMIT_CONCURRENCY }, async () => {
      while (next < work.length) {
        const item = work[next++];
        const body = {
          provider: item.simulator.name,
          name: item.name,
          imageId: plans[item.at].imageId,
          planId: plans[item.at].planId,
          ...CREATE_EXTRAS[item.simulator.kind],
          ...item.extra,
        };
        let answer: { status: number; body: { id?: string; code?: string } } = { status: 0, body: {} };
        try {
          answer = await gatewayCall<{ id?: string; code?: string }>(context, 'POST', '/v1/servers', body);
        } catch (error) {
          answer.body.code = (error as Error).message;
        }
        const accepted = answer.status === 202 && answer.body.id;
        submitted.push({
          name: item.name,
          simulator: item.simulator,
          taskId: accepted ? answer.body.id! : null,
          refusal: accepted ? undefined : `not accepted: ${answer.status} ${answer.body.code ?? ''}`.trim(),
        });
      }
    }),
  );
  const submitSeconds = (Date.now() - started) / 1000;

  // In flight now: each connection's keys, and how many of its tasks are open (the rest ended already).
  // Reading every key takes a while, so the open counts are read before and after it and averaged.
  const openBefore = await Promise.all(context.simulators.map((s) => openTasks(context.redis, s.name)));
  const spaceAtSample = await keySpace(context.redis);
  const openAfter = await Promise.all(context.simulators.map((s) => openTasks(context.redis, s.name)));
  const openAtSample = openBefore.map((n, at) => Math.round((n + openAfter[at]) / 2));

  // Until every accepted task ended. The open ones are read from the set the sweeper walks (cheap: listing 10,000
  // tasks through the API every round would load the api process the run measures); one that left it is read
  // through the API until it shows its end (a task not in the set and not ended is read again next round).
  const ended = new Map<string, Ended>();
  const accepted = submitted.filter((s) => s.taskId);
  const deadline = Date.now() + Math.max(5 * 60_000, context.taskCount * 100);
  let lastEnd = started;
  while (ended.size < accepted.length && Date.now() < deadline) {
    const tick = Date.now();
    sampleRss();
    const open = new Set<string>();
    for (const simulator of context.simulators)
      for (const id of await openTaskIds(context.redis, simulator.name)) open.add(id);
    const left = accepted.filter((s) => !ended.has(s.taskId!) && !open.has(s.taskId!));
    for (let i = 0; i < left.length; i += 100) {
      const answers = await Promise.all(
        left
          .slice(i, i + 100)
          .map((s) => gatewayCall<TaskView>(context, 'GET', `/v1/tasks/${s.taskId}`).catch(() => null)),
      );
      for (const answer of answers) {
        if (!answer || !TERMINAL.includes(answer.body.status)) continue;
        ended.set(answer.body.id, {
          status: answer.body.status,
          completedAt: answer.body.completedAt,
          code: codeOf(answer.body),
          detail: answer.body.error?.detail ?? null,
        });
        if (answer.body.completedAt) lastEnd = Math.max(lastEnd, Date.parse(answer.body.completedAt));
      }
    }
    await sleep(Math.max(0, CHECK_EVERY_MS - (Date.now() - tick)));
  }
  clearInterval(rssTimer);
  sampleRss();
  await Promise.all(observers.map((observer) => observer.stop()));
  await polls.stop(context.redis);
  const durationSeconds = Math.max(1, (lastEnd - started) / 1000);

  const calls = callsBetween(await scrapeCalls(gatewayUrls, context.key), callsBefore);
  const memoryAfter = await usedMemory(context.redis);
  const spaceAfter = await keySpace(context.redis);
  const history = await historyBytes(context.redis);

  const perBackend: Record<string, BackendResult> = {};
  const allLags: number[] = [];
  for (const [at, simulator] of context.simulators.entries()) {
    const observer = observers[at];
    const mine = submitted.filter((s) => s.simulator === simulator);
    const failures: Record<string, number> = {};
    const failureExamples: Record<string, string> = {};
    const lags: number[] = [];
    let completed = 0;
    let failed = 0;
    let canceled = 0;
    let lost = 0;
    for (const s of mine) {
      if (!s.taskId) {
        count(failures, s.refusal!);
        continue;
      }
      const end = ended.get(s.taskId);
      if (!end) {
        lost++;
        count(failures, 'never ended');
      } else if (end.status === 'succeeded') {
        completed++;
        const running = observer.runningAt.get(s.name);
        if (running !== undefined && end.completedAt)
          lags.push(Math.max(0, Date.parse(end.completedAt) - running));
      } else {
        if (end.status === 'failed') failed++;
        else canceled++;
        const key = `${end.status}: ${end.code ?? 'no code'}`;
        count(failures, key);
        if (end.detail) failureExamples[key] ??= end.detail;
      }
    }
    allLags.push(...lags);
    const names = (await observer.list()).map((server) => server.name);
    const seen = new Map<string, number>();
    names.forEach((name) => seen.set(name, (seen.get(name) ?? 0) + 1));
    const duplicated = mine.filter((s) => (seen.get(s.name) ?? 0) > 1).length;

    const operations = calls.get(simulator.name) ?? new Map<string, number>();
    const sum = (keep: (key: string) => boolean) =>
      [...operations].filter(([key]) => keep(key)).reduce((a, [, n]) => a + n, 0);
    const callCount = sum(wasSent);
    const listCount = sum((key) => wasSent(key) && isListOperation(key));
    const perTick = (n: number) =>
      Math.round((n / durationSeconds) * (context.pollIntervalMs / 1000) * 100) / 100;
    const polled = polls.lists.get(simulator.name) ?? new Map<string, PolledCollection>();
    const pollRates = [...polled.values()]
      .map((entry) => PollCounter.perTick(entry, context.pollIntervalMs))
      .filter((rate): rate is number => rate !== null);
    const stats = (await simControl(simulator, 'GET', '/stats')) as { requests: Record<string, number> };
    const received = Object.values(stats.requests).reduce((a, b) => a + b, 0) - observer.answeredAttempts();

    const endedHere = completed + failed + canceled;
    const grownAtEnd = ownerBytes(spaceAfter, simulator.name) - ownerBytes(spaceBefore, simulator.name);
    const perEnded = endedHere ? grownAtEnd / endedHere : null;
    const acceptedHere = mine.filter((s) => s.taskId).length;
    const inFlight = openAtSample[at];
    const grownAtSample = ownerBytes(spaceAtSample, simulator.name) - ownerBytes(spaceBefore, simulator.name);
    const perInFlight =
      inFlight > 0 && perEnded !== null
        ? (grownAtSample - (acceptedHere - inFlight) * perEnded) / inFlight
        : null;
    perBackend[simulator.name] = {
      kind: simulator.kind,
      connection: simulator.name,
      share: share[at],
      placement: placements[at].note,
      accepted: acceptedHere,
      completed,
      failed,
      canceled,
      lost,
      duplicated,
      failures,
      failureExamples,
      p50DetectLagMs: percentile(lags, 50),
      p99DetectLagMs: percentile(lags, 99),
      lagSamples: lags.length,
      lagResolutionMs: observer.resolutionMs(),
      upstreamCalls: callCount,
      upstreamCallsPerSecond: Math.round((callCount / durationSeconds) * 10) / 10,
      notSent: sum((key) => !wasSent(key)),
      receivedByBackend: received,
      receivedPerSecond: Math.round((received / durationSeconds) * 10) / 10,
      polledLists: Object.fromEntries([...polled].map(([collection, entry]) => [collection, entry.count])),
      polledListsPerTick: pollRates.length ? Math.round(Math.max(...pollRates) * 100) / 100 : null,
      listRequests: listCount,
      listRequestsPerTick: perTick(listCount),
      callsByOperation: Object.fromEntries(
        [...operations].filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]),
      ),
      observerAttempts: observer.attempts,
      redisBytesPerEndedTask: perEnded === null ? null : Math.round(perEnded),
      redisBytesPerInFlightTask: perInFlight === null ? null : Math.round(perInFlight),
      inFlightAtSample: inFlight,
      redisGrowth: growth(spaceAfter, spaceBefore, simulator.name),
    };
  }

  const backends = Object.values(perBackend);
  const endedCount = backends.reduce((a, b) => a + b.completed + b.failed + b.canceled, 0);
  const sharedGrowth = ['global', 'untagged'].reduce(
    (sum, owner) => sum + ownerBytes(spaceAfter, owner) - ownerBytes(spaceBefore, owner),
    0,
  );
  return {
    summary: {
      count: submitted.length,
      accepted: accepted.length,
      completed: backends.reduce((a, b) => a + b.completed, 0),
      failed: backends.reduce((a, b) => a + b.failed + b.canceled, 0),
      lost: backends.reduce((a, b) => a + b.lost, 0),
      duplicated: backends.reduce((a, b) => a + b.duplicated, 0),
      p50DetectLagMs: percentile(allLags, 50),
      p99DetectLagMs: percentile(allLags, 99),
      pollIntervalMs: context.pollIntervalMs,
      upstreamCallsPerConnectionPerSecond: backends.length
        ? Math.round((backends.reduce((a, b) => a + b.upstreamCallsPerSecond, 0) / backends.length) * 10) / 10
        : null,
      redisBytesPerTask: endedCount ? Math.round((memoryAfter - memoryBefore) / endedCount) : null,
      redisSharedBytesPerTask: endedCount ? Math.round(sharedGrowth / endedCount) : null,
      historyBytesPerEntry: history.entries ? Math.round(history.bytes / history.entries) : null,
      historyLineBytes: history.entries ? Math.round(history.lineBytes / history.entries) : null,
      historyEntries: history.entries,
      historyLists: history.lists,
      workersRssMb: rss,
      workerRssMb: Math.max(0, ...rss),
    },
    perBackend,
    durationSeconds: Math.round(durationSeconds * 10) / 10,
    submitSeconds: Math.round(submitSeconds * 10) / 10,
    keysPerNode: await keysPerNode(context.redis),
    sharedRedisGrowth: {
      ...growth(spaceAfter, spaceBefore, 'global'),
      ...growth(spaceAfter, spaceBefore, 'untagged'),
    },
  };
}
