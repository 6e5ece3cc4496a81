import { Redis } from 'ioredis';
import { validateConfig } from '../../src/config/config.validator';
import { readEnv } from '../../src/config/env';
import { UpstreamClient } from '../../src/providers/kit/http/upstream-client';
import { MemoryClaims } from '../../src/providers/kit/memory-claims';
import { Connection } from '../../src/providers/registry/connection';
import { PROVIDER_KINDS, connectionKindSchemas } from '../../src/providers/registry/provider-kinds';
import { type BenchContext, type BenchSimulator, gatewayCall, simControl } from '../lib/context';
import { rssMb } from '../lib/processes';

export interface TasksSummary {
  count: number;
  completed: number;
  failed: number;
  lost: number;
  duplicated: number;
  p99DetectLagMs: number | null;
  p50DetectLagMs: number | null;
  pollIntervalMs: number;
  upstreamPollsPerTaskPerMinute: number | null;
  /** used_memory growth over the run ÷ tasks: everything, the read cache of the created servers included. */
  redisBytesPerTask: number | null;
  /** The task engine's keys only (task records, indexes, locks, events, queue), from MEMORY USAGE. */
  redisTaskEngineBytesPerTask: number | null;
  /** MEMORY USAGE of the resources' history lists ÷ their entries (docs/design.md#history). */
  historyBytesPerEntry: number | null;
  /** Mean length of a stored history line, what one more entry on a list costs beside the list's own overhead. */
  historyLineBytes: number | null;
  historyEntries: number;
  /** Resources with a history list. */
  historyLists: number;
  workerRssMb: number;
}

export interface TasksResult {
  summary: TasksSummary;
  perBackend: Record<
    string,
    {
      tasks: number;
      completed: number;
      upstreamCalls: number;
      listCallsPerSecond: number;
      p50DetectLagMs: number | null;
      p99DetectLagMs: number | null;
    }
  >;
  durationSeconds: number;
  failures: Record<string, number>;
  /** Redis memory by key family at the end of the run. */
  redisBreakdown: Record<string, { keys: number; bytes: number }>;
}

interface Submitted {
  name: string;
  provider: string;
  taskId: string | null;
}

/** The poll interval the bench gateway is configured with (maxPollIntervalMs in bench/run.ts). */
const MAX_POLL_INTERVAL_MS = 1_000;
const OBSERVE_EVERY_MS = 250;
const SUBMIT_CONCURRENCY = 100;
/** Key families of the task engine (the rest is the read cache: items, snapshots, catalog, generations). */
const ENGINE_FAMILIES = /^gw:(task|tasks|events|bull|lock|idem)\b/;
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

/** Upstream calls (and list calls) the bench's own observers made, to subtract from what the simulators counted. */
const observerCalls = new Map<string, number>();
const observerLists = new Map<string, number>();

/**
 * A connection of the bench's own, to watch the backend directly (when a server really runs). Read through the
 * core's normalizer, as the gateway reads: names without the task marker some backends keep in the name, so a
 * server is matched to the create that made it.
 */
function observerOf(simulator: BenchSimulator): Connection {
  const definition = PROVIDER_KINDS.find((k) => (k.kind as string) === simulator.kind)!;
  // Through the config validator, as the gateway's own: every default filled in (a cast config once lacked
  // maxListItems, which emptied the observers' lists, and DCImanager's apiPrefix, which broke its URLs).
  const [config] = validateConfig(
    {
      apiKeys: [{ name: 'bench', key: 'bench-observer-key-0000', scopes: ['read'], providers: ['*'] }],
      providers: [
        {
          ...simulator.connection,
          name: simulator.name,
          timeoutMs: 30_000,
          pollIntervalMs: 100,
          maxPollIntervalMs: 100,
          concurrency: 8,
          breakerFailures: 1000,
          breakerHalfOpenMs: 1000,
          listDeadlineMs: 30_000,
          maxListItems: 1_000_000,
          maxResponseBytes: 268_435_456,
        },
      ],
    },
    { env: readEnv({}), kinds: connectionKindSchemas(), baseDir: process.cwd(), variables: {} },
  ).providers;
  const adapter = definition.create(config, {
    http: (options) =>
      new UpstreamClient(options, {
        onCall: (record) => {
          observerCalls.set(record.connection, (observerCalls.get(record.connection) ?? 0) + 1);
          if (record.method === 'GET' && /list/i.test(record.operation))
            observerLists.set(record.connection, (observerLists.get(record.connection) ?? 0) + 1);
        },
      }),
    logger: { debug: () => undefined, info: () => undefined, warn: () => undefined },
    onUnknownState: () => undefined,
    claims: new MemoryClaims(),
  });
  return new Connection(adapter, config);
}

/** How many creates a backend can take: bare-metal stock is finite (plans say how many are `available`). */
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

/**
 * N server creates in flight at once across every backend. Counts completions, lost tasks (never ended) and
 * duplicated servers (two backend servers for one request), the detection lag (task completed − backend
 * running, watched straight on the backends), upstream calls per task per minute, Redis bytes per task and
 * the worker's RSS.
 */
export async function tasks(context: BenchContext): Promise<TasksResult> {
  const redis = new Redis(context.redisUrl);
  const plans = await Promise.all(context.simulators.map((s) => capacity(context, s.name)));
  const share: number[] = context.simulators.map(() => 0);
  for (let i = 0, placed = 0; placed < context.taskCount && i < context.taskCount * 4; i++) {
    const at = i % context.simulators.length;
    if (share[at] < plans[at].max) {
      share[at]++;
      placed++;
    }
  }
  await Promise.all(context.simulators.map((s) => simControl(s, 'DELETE', '/stats')));
  const memoryBefore = Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1] ?? 0);
  const familiesBefore = await keySpaceBytes(redis);
  const started = Date.now();

  const work: Array<{ simulator: BenchSimulator; index: number; name: string }> = [];
  context.simulators.forEach((simulator, at) => {
    for (let i = 0; i < share[at]; i++) work.push({ simulator, index: at, name: `bench-${at}-${i}` });
  });
  const submitted: Submitted[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: SUBMIT_CONCURRENCY }, async () => {
      while (next < work.length) {
        const item = work[next++];
        const body = {
          provider: item.simulator.name,
          name: item.name,
          imageId: plans[item.index].imageId,
          planId: plans[item.index].planId,
          ...CREATE_EXTRAS[item.simulator.kind],
        };
        let answer: { status: number; body: { id?: string } } = { status: 0, body: {} };
        try {
          answer = await gatewayCall<{ id?: string }>(context, 'POST', '/v1/servers', body);
        } catch {
          // counted as not accepted
        }
        submitted.push({
          name: item.name,
          provider: item.simulator.name,
          taskId: answer.status === 202 ? (answer.body.id ?? null) : null,
        });
      }
    }),
  );

  // Watch the backends (one list per backend per tick) and the worker, until every task has ended.
  const observers = new Map(context.simulators.map((s) => [s.name, observerOf(s)]));
  const runningAt = new Map<string, number>();
  let workerRss = 0;
  const deadline = Date.now() + 15 * 60_000;
  const ended = new Map<string, { status: string; completedAt: string }>();
  while (ended.size < submitted.filter((s) => s.taskId).length && Date.now() < deadline) {
    const tick = Date.now();
    workerRss = Math.max(workerRss, rssMb(context.worker.process.pid!));
    await Promise.all(
      [...observers.entries()].map(async ([name, adapter]) => {
        const servers = await adapter.servers!.list().then(
          (answer) => answer.items,
          () => [],
        );
        for (const server of servers) {
          if ((server.state as string) === 'running' && !runningAt.has(`${name}/${server.name}`))
            runningAt.set(`${name}/${server.name}`, tick);
        }
      }),
    );
    const open = submitted.filter((s) => s.taskId && !ended.has(s.taskId));
    for (let i = 0; i < open.length; i += 200) {
      const batch = open.slice(i, i + 200);
      const results = await Promise.all(
        batch.map((s) =>
          gatewayCall<{ status: string; completedAt: string }>(context, 'GET', `/v1/tasks/${s.taskId}`),
        ),
      );
      results.forEach((r, j) => {
        if (['succeeded', 'failed', 'canceled'].includes(r.body.status)) ended.set(batch[j].taskId!, r.body);
      });
    }
    await sleep(Math.max(0, OBSERVE_EVERY_MS - (Date.now() - tick)));
  }
  const durationSeconds = (Date.now() - started) / 1000;
  const memoryAfter = Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1] ?? 0);

  const lags: number[] = [];
  const lagsOf = new Map<string, number[]>();
  const failures: Record<string, number> = {};
  for (const s of submitted) {
    const end = s.taskId ? ended.get(s.taskId) : undefined;
    if (end?.status === 'succeeded') {
      const backend = runningAt.get(`${s.provider}/${s.name}`);
      if (backend !== undefined) {
        const lag = Math.max(0, Date.parse(end.completedAt) - backend);
        lags.push(lag);
        lagsOf.set(s.provider, [...(lagsOf.get(s.provider) ?? []), lag]);
      }
    } else {
      const reason = !s.taskId ? 'not accepted' : end ? end.status : 'never ended';
      failures[reason] = (failures[reason] ?? 0) + 1;
    }
  }

  const perBackend: TasksResult['perBackend'] = {};
  let upstreamCalls = 0;
  let duplicated = 0;
  for (const simulator of context.simulators) {
    const stats = (await simControl(simulator, 'GET', '/stats')) as { requests: Record<string, number> };
    const calls =
      Object.values(stats.requests).reduce((a, b) => a + b, 0) - (observerCalls.get(simulator.name) ?? 0);
    const lists =
      Object.entries(stats.requests)
        .filter(([route]) => route.startsWith('GET') && !/[:{]id|\/:[a-z]*[iI]d\b/.test(route))
        .reduce((a, [, n]) => a + n, 0) - (observerLists.get(simulator.name) ?? 0);
    upstreamCalls += calls;
    const mine = submitted.filter((s) => s.provider === simulator.name);
    const names = (
      await observers
        .get(simulator.name)!
        .servers!.list()
        .then(
          (answer) => answer.items,
          () => [],
        )
    ).map((server) => server.name);
    duplicated += mine.filter((s) => names.filter((n) => n === s.name).length > 1).length;
    perBackend[simulator.name] = {
      tasks: mine.length,
      completed: mine.filter((s) => s.taskId && ended.get(s.taskId)?.status === 'succeeded').length,
      upstreamCalls: calls,
      listCallsPerSecond: Math.round((lists / durationSeconds) * 10) / 10,
      p50DetectLagMs: percentile(lagsOf.get(simulator.name) ?? [], 50),
      p99DetectLagMs: percentile(lagsOf.get(simulator.name) ?? [], 99),
    };
  }
  const familiesAfter = await keySpaceBytes(redis);
  const history = await historyBytes(redis);
  // What the run added, by key family: the task engine's own keys, and the read cache the finished tasks filled.
  const redisBreakdown: TasksResult['redisBreakdown'] = {};
  for (const [family, after] of Object.entries(familiesAfter)) {
    const before = familiesBefore[family] ?? { keys: 0, bytes: 0 };
    if (after.bytes !== before.bytes)
      redisBreakdown[family] = { keys: after.keys - before.keys, bytes: after.bytes - before.bytes };
  }
  const engineBytes = Object.entries(redisBreakdown)
    .filter(([family]) => ENGINE_FAMILIES.test(family))
    .reduce((sum, [, entry]) => sum + entry.bytes, 0);
  redis.disconnect();
  const count = submitted.length;
  const completed = Object.values(perBackend).reduce((a, b) => a + b.completed, 0);
  return {
    summary: {
      count,
      completed,
      failed: [...ended.values()].filter((e) => e.status !== 'succeeded').length,
      lost: submitted.filter((s) => !s.taskId || !ended.has(s.taskId)).length,
      duplicated,
      p99DetectLagMs: percentile(lags, 99),
      p50DetectLagMs: percentile(lags, 50),
      pollIntervalMs: MAX_POLL_INTERVAL_MS,
      upstreamPollsPerTaskPerMinute: count
        ? Math.round((upstreamCalls / count / (durationSeconds / 60)) * 100) / 100
        : null,
      redisBytesPerTask: count ? Math.round((memoryAfter - memoryBefore) / count) : null,
      redisTaskEngineBytesPerTask: count ? Math.round(engineBytes / count) : null,
      historyBytesPerEntry: history.entries ? Math.round(history.bytes / history.entries) : null,
      historyLineBytes: history.entries ? Math.round(history.lineBytes / history.entries) : null,
      historyEntries: history.entries,
      historyLists: history.lists,
      workerRssMb: workerRss,
    },
    perBackend,
    durationSeconds: Math.round(durationSeconds * 10) / 10,
    failures,
    redisBreakdown,
  };
}

/** The history lists (one per resource): MEMORY USAGE, entries, and the bytes of the lines themselves. */
async function historyBytes(
  redis: Redis,
): Promise<{ bytes: number; entries: number; lineBytes: number; lists: number }> {
  const total = { bytes: 0, entries: 0, lineBytes: 0, lists: 0 };
  // SCAN may name a key twice.
  const seen = new Set<string>();
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', 'gw:hist:*', 'COUNT', 1000);
    cursor = next;
    for (const key of found) {
      if (seen.has(key)) continue;
      seen.add(key);
      const [usage, lines] = await Promise.all([
        redis.memory('USAGE', key, 'SAMPLES', '0'),
        redis.lrange(key, 0, -1),
      ]);
      total.bytes += Number(usage ?? 0);
      total.entries += lines.length;
      total.lineBytes += lines.reduce((sum, line) => sum + Buffer.byteLength(line), 0);
    }
  } while (cursor !== '0');
  return { ...total, lists: seen.size };
}

/** Where Redis memory goes: MEMORY USAGE summed by key family (ids replaced by `*`), largest first. */
async function keySpaceBytes(redis: Redis): Promise<Record<string, { keys: number; bytes: number }>> {
  const families = new Map<string, { keys: number; bytes: number }>();
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'COUNT', 1000);
    cursor = next;
    const sizes = await Promise.all(found.map((key) => redis.memory('USAGE', key, 'SAMPLES', '0')));
    found.forEach((key, i) => {
      const family = key
        .split(':')
        .map((part, at) => (at > 1 && /[0-9]/.test(part) ? '*' : part))
        .slice(0, 4)
        .join(':');
      const entry = families.get(family) ?? { keys: 0, bytes: 0 };
      entry.keys++;
      entry.bytes += Number(sizes[i] ?? 0);
      families.set(family, entry);
    });
  } while (cursor !== '0');
  return Object.fromEntries([...families.entries()].sort((a, b) => b[1].bytes - a[1].bytes));
}
