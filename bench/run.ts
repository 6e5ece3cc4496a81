import 'reflect-metadata';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SIMULATORS } from '../sandbox/simulators/simulator-kinds';
import type { BenchContext, BenchSimulator } from './lib/context';
import { sizeSimulatorPools } from './lib/pools';
import { freePort, startGateway, startSimulator } from './lib/processes';
import { type RedisTopology, startRedisTarget } from './lib/redis-target';
import { machine, writeResults, type Row } from './lib/results';
import { cachedList } from './scenarios/cached-list';
import { fanout } from './scenarios/fanout';
import { overhead } from './scenarios/overhead';
import { type BackendResult, tasks } from './scenarios/tasks';

const KEY = 'bench-key-000000000000000000000000';

const HELP = `npm run bench -- [--quick | --smoke] [--redis single|cluster] [--workers N] [--tasks-only | --reads-only]

  (no mode)        full run: 10,000 server creates in flight across the four simulators, 20 s per read load
  --quick          1,000 creates, 8 s per read load
  --smoke          40 creates, 1 s loads: proves the harness runs (CI); figures mean little
  --redis single   one redis-server (default; also BENCH_REDIS=single)
  --redis cluster  a local three-shard Redis Cluster (plain redis-server --cluster-enabled yes processes on
                   127.0.0.1, made by redis-cli --cluster create); the gateway gets REDIS_CLUSTER_NODES instead
                   of REDIS_URL, and Redis figures are sums over the nodes (also BENCH_REDIS=cluster)
  --workers N      worker processes (default 2); one api process besides
  --tasks-only     only the tasks scenario (no overhead, fan-out or cached-list loads)
  --reads-only     only the read scenarios, printed, no results written (for profiling)
  BENCH_CPU_PROF=<dir>  V8 CPU profiles of the gateway processes, written when they exit

Results: bench/results/latest.{json,md} (latest-cluster.* with --redis cluster; smoke.* with --smoke).
Needs the build (npm run bench builds first) and redis-server (and redis-cli for a cluster) on PATH.`;

interface Mode {
  name: 'full' | 'quick' | 'smoke';
  loadSeconds: number;
  taskCount: number;
  simulatorSpeed: number;
}

const MODES: Record<Mode['name'], Mode> = {
  full: { name: 'full', loadSeconds: 20, taskCount: 10_000, simulatorSpeed: 10 },
  quick: { name: 'quick', loadSeconds: 8, taskCount: 1_000, simulatorSpeed: 10 },
  // CI: proves the harness runs end to end; its figures mean little.
  smoke: { name: 'smoke', loadSeconds: 1, taskCount: 40, simulatorSpeed: 10 },
};

/** The connections' poll interval, one tick of their shared polls: the issue's "1 s interval". */
const POLL_INTERVAL_MS = 1_000;
/** Issue 16's targets for the 10,000-task run. */
const TARGET = {
  listCallsPerTick: 1,
  bytesPerEndedTask: 700,
  bytesPerInFlightTask: 1_536,
  workerRssMb: 300,
};

const fmt = (n: number | null | undefined, digits = 2) =>
  n === null || n === undefined ? 'n/a' : n.toFixed(digits);
const check = (value: number | null | undefined, ok: (v: number) => boolean) =>
  value === null || value === undefined ? null : ok(value);

function options() {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      smoke: { type: 'boolean', default: false },
      redis: { type: 'string', default: process.env.BENCH_REDIS ?? 'single' },
      workers: { type: 'string', default: '2' },
      'tasks-only': { type: 'boolean', default: false },
      'reads-only': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    process.exit(0);
  }
  const workers = Number(values.workers);
  if (!['single', 'cluster'].includes(values.redis) || !(Number.isInteger(workers) && workers >= 1)) {
    console.error(HELP);
    process.exit(2);
  }
  return {
    mode: MODES[values.smoke ? 'smoke' : values.quick ? 'quick' : 'full'],
    topology: values.redis as RedisTopology,
    workers,
    tasksOnly: values['tasks-only'],
    readsOnly: values['reads-only'],
  };
}

/** The rows of one backend: issue 16's figures, each beside its target. */
function backendRows(b: BackendResult, pollIntervalMs: number): Row[] {
  const scenario = `tasks ${b.kind}`;
  return [
    {
      scenario,
      figure: 'completed / created',
      value: `${b.completed} / ${b.share}`,
      ratio: fmt(b.share ? b.completed / b.share : null, 3),
      target: '100 %',
      met: b.share > 0 && b.completed === b.share,
    },
    {
      scenario,
      figure: 'lost, duplicated',
      value: `${b.lost}, ${b.duplicated}`,
      ratio: '',
      target: '0, 0',
      met: b.lost === 0 && b.duplicated === 0,
    },
    {
      scenario,
      figure: 'detection lag p50 / p99 (ms)',
      value: `${fmt(b.p50DetectLagMs, 0)} / ${fmt(b.p99DetectLagMs, 0)}`,
      ratio: '',
      target: `p99 ≤ poll interval + 1 s (${pollIntervalMs + 1000})`,
      met: check(b.p99DetectLagMs, (v) => v <= pollIntervalMs + 1000),
    },
    {
      scenario,
      figure: 'upstream calls per second: sent by the gateway / received by the backend',
      value: `${fmt(b.upstreamCallsPerSecond, 1)} / ${fmt(b.receivedPerSecond, 1)}`,
      ratio: '',
      target: 'reported',
      met: null,
    },
    {
      scenario,
      figure: `polled lists per tick (${Object.keys(b.polledLists).join(', ') || 'none'})`,
      value: fmt(b.polledListsPerTick),
      ratio: '',
      target: `≤ ${TARGET.listCallsPerTick} per collection (tick ${pollIntervalMs} ms)`,
      met: check(b.polledListsPerTick, (v) => v <= TARGET.listCallsPerTick),
    },
    {
      scenario,
      figure: 'list requests per tick (all lists, each page)',
      value: fmt(b.listRequestsPerTick),
      ratio: '',
      target: 'reported',
      met: null,
    },
    {
      scenario,
      figure: 'Redis bytes per ended task',
      value: fmt(b.redisBytesPerEndedTask, 0),
      ratio: '',
      target: `≤ ${TARGET.bytesPerEndedTask}`,
      met: check(b.redisBytesPerEndedTask, (v) => v <= TARGET.bytesPerEndedTask),
    },
    {
      scenario,
      figure: `Redis bytes per in-flight task (${b.inFlightAtSample} in flight)`,
      value: fmt(b.redisBytesPerInFlightTask, 0),
      ratio: '',
      target: `≤ ${TARGET.bytesPerInFlightTask}`,
      met: check(b.redisBytesPerInFlightTask, (v) => v <= TARGET.bytesPerInFlightTask),
    },
  ];
}

async function main(): Promise<void> {
  const { mode, topology, workers: workerCount, tasksOnly, readsOnly } = options();
  const startedAt = new Date().toISOString();
  const stops: Array<() => Promise<void>> = [];
  // Logs of the gateway processes, shown when the run fails (LOG_LEVEL=warn: errors and warnings only).
  const logs: Array<{ name: string; output: () => string }> = [];
  try {
    console.log(
      `bench (${mode.name}, Redis ${topology}): starting Redis, ${SIMULATORS.length} simulator(s), gateway api + ${workerCount} worker(s)...`,
    );
    const redis = await startRedisTarget(topology);
    stops.push(() => redis.stop());
    const simulators: BenchSimulator[] = [];
    for (const definition of SIMULATORS) {
      const started = await startSimulator(definition.kind, mode.simulatorSpeed);
      stops.push(() => started.stop());
      simulators.push({
        kind: definition.kind,
        name: `bench-${definition.kind}`,
        connection: started.connection,
        url: started.url,
        process: started,
      });
    }
    // Before the gateway reads any catalog: the stock it will count is there.
    await sizeSimulatorPools(simulators, mode.taskCount);
    const config = {
      apiKeys: [{ name: 'bench', key: KEY, scopes: ['read', 'write'], providers: ['*'] }],
      providers: simulators.map((s) => ({
        name: s.name,
        ...s.connection,
        pollIntervalMs: POLL_INTERVAL_MS,
        maxPollIntervalMs: POLL_INTERVAL_MS,
        concurrency: 128,
        listDeadlineMs: 10_000,
        breakerFailures: 1_000,
      })),
      server: { rateLimitPerMinute: 0 },
      cache: { freshMs: 60_000, staleMs: 600_000 },
      tasks: { workerConcurrency: 256 },
    };
    const configPath = join(mkdtempSync(join(tmpdir(), 'cloudmux-bench-')), 'gateway.yaml');
    writeFileSync(configPath, JSON.stringify(config, null, 2));
    const port = await freePort();
    const api = await startGateway({ configPath, redisEnv: redis.env, role: 'api', port });
    stops.push(() => api.stop());
    logs.push({ name: 'api', output: () => api.output() });
    const workers = [];
    for (let i = 0; i < workerCount; i++) {
      const worker = await startGateway({
        configPath,
        redisEnv: redis.env,
        role: 'worker',
        port: await freePort(),
        label: `worker-${i + 1}`,
      });
      stops.push(() => worker.stop());
      logs.push({ name: `worker-${i + 1}`, output: () => worker.output() });
      workers.push(worker);
    }
    const context: BenchContext = {
      apiUrl: api.url,
      key: KEY,
      redis,
      simulators,
      api,
      workers,
      pollIntervalMs: POLL_INTERVAL_MS,
      loadSeconds: mode.loadSeconds,
      taskCount: mode.taskCount,
    };

    const reads = tasksOnly ? null : await readScenarios(context);
    if (readsOnly) {
      // For profiling the read path: no tasks, no results written.
      console.log(JSON.stringify(reads, null, 2));
      return;
    }
    console.log(`tasks: ${mode.taskCount} in flight across ${simulators.length} backend(s)`);
    const tasksResult = await tasks(context);

    const summary = {
      mode: mode.name,
      redis: { topology, address: redis.address, keysPerNode: tasksResult.keysPerNode },
      workers: workerCount,
      startedAt,
      finishedAt: new Date().toISOString(),
      machine: machine(),
      backends: simulators.map((s) => s.kind),
      overheadRatioP50: reads?.overhead.overheadRatioP50 ?? null,
      overheadRatioP99: reads?.overhead.overheadRatioP99 ?? null,
      fanoutRatioP50: reads?.fanout.fanoutRatioP50 ?? null,
      cachedListRps: reads?.cachedList.cachedListRps ?? null,
      bareRps: reads?.cachedList.bareRps ?? null,
      cachedListRatio: reads?.cachedList.cachedListRatio ?? null,
      tasks: tasksResult.summary,
      scenarios: { ...reads, tasks: tasksResult },
    };
    const t = tasksResult.summary;
    const rows: Row[] = [
      ...(reads ? readRows(reads) : []),
      ...Object.values(tasksResult.perBackend).flatMap((b) => backendRows(b, t.pollIntervalMs)),
      {
        scenario: 'tasks all',
        figure: `completed / created (${tasksResult.durationSeconds} s, submitted in ${tasksResult.submitSeconds} s)`,
        value: `${t.completed} / ${t.count}`,
        ratio: fmt(t.count ? t.completed / t.count : null, 3),
        target: '100 %',
        met: t.completed === t.count,
      },
      {
        scenario: 'tasks all',
        figure: 'Redis used_memory growth per ended task (all, with allocator overhead)',
        value: fmt(t.redisBytesPerTask, 0),
        ratio: '',
        target: 'reported',
        met: null,
      },
      {
        scenario: 'tasks all',
        figure: 'history bytes per entry (list / line)',
        value: `${fmt(t.historyBytesPerEntry, 0)} / ${fmt(t.historyLineBytes, 0)}`,
        ratio: '',
        // Creates only: one entry per list, so the list's own key and header dominate; a line is what one more costs.
        target: `≤ 320 / ≤ 80 (${t.historyEntries} entries on ${t.historyLists} lists)`,
        met:
          t.historyBytesPerEntry === null || t.historyLineBytes === null
            ? null
            : t.historyBytesPerEntry <= 320 && t.historyLineBytes <= 80,
      },
      ...t.workersRssMb.map((mb, i) => ({
        scenario: 'tasks all',
        figure: `worker ${i + 1} RSS, peak (MiB)`,
        value: fmt(mb, 1),
        ratio: '',
        target: `≤ ${TARGET.workerRssMb}`,
        met: check(mb, (v) => v <= TARGET.workerRssMb),
      })),
    ];
    const written = writeResults(
      join(__dirname, '..', '..', 'bench', 'results'),
      `${mode.name === 'smoke' ? 'smoke' : 'latest'}${topology === 'cluster' ? '-cluster' : ''}`,
      summary,
      rows,
      [
        ...Object.values(tasksResult.perBackend)
          .filter((b) => Object.keys(b.failures).length)
          .map(
            (b) =>
              `${b.connection} did not complete, by code: ${JSON.stringify(b.failures)}; e.g. ${JSON.stringify(b.failureExamples)}`,
          ),
        `Redis keys per node: ${tasksResult.keysPerNode.join(', ')}.`,
      ],
    );
    console.log(
      `\n${rows.map((r) => `${r.scenario.padEnd(17)} ${r.figure.padEnd(62)} ${r.value.padEnd(16)} ${r.ratio.padEnd(7)} ${r.target}${r.met === false ? '  ✗' : ''}`).join('\n')}`,
    );
    for (const b of Object.values(tasksResult.perBackend)) {
      if (Object.keys(b.failures).length)
        console.log(
          `\n${b.connection} did not complete, by code: ${JSON.stringify(b.failures)}\n  e.g. ${JSON.stringify(b.failureExamples)}`,
        );
    }
    console.log(`\nRedis keys per node: ${tasksResult.keysPerNode.join(', ')}`);
    console.log(`wrote ${written.json} and ${written.markdown}`);
  } catch (error) {
    for (const log of logs) console.error(`--- ${log.name} (last lines)\n${log.output().slice(-4000)}`);
    throw error;
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  }
}

async function readScenarios(context: BenchContext) {
  console.log(
    'overhead: one GET through the gateway vs straight to the backend, 20 ms latency, 50 concurrent',
  );
  const overheadResult = await overhead(context);
  console.log('fan-out: GET /v1/servers across the backends at 10/20/50/100 ms');
  const fanoutResult = await fanout(context);
  console.log('cached list: gateway vs a bare Fastify endpoint with the same payload');
  const cached = await cachedList(context);
  return { overhead: overheadResult, fanout: fanoutResult, cachedList: cached };
}

function readRows(reads: Awaited<ReturnType<typeof readScenarios>>): Row[] {
  const { overhead: o, fanout: f, cachedList: c } = reads;
  return [
    {
      scenario: 'overhead',
      figure: `p50 gateway / direct (ms)`,
      value: `${fmt(o.gateway.p50, 0)} / ${fmt(o.direct.p50, 0)}`,
      ratio: fmt(o.overheadRatioP50, 3),
      target: '≤ 1.05',
      met: check(o.overheadRatioP50, (v) => v <= 1.05),
    },
    {
      scenario: 'overhead',
      figure: `p99 gateway / direct (ms)`,
      value: `${fmt(o.gateway.p99, 0)} / ${fmt(o.direct.p99, 0)}`,
      ratio: fmt(o.overheadRatioP99, 3),
      target: '≤ 1.15',
      met: check(o.overheadRatioP99, (v) => v <= 1.15),
    },
    {
      scenario: 'fan-out',
      figure: `p50 of GET /v1/servers (ms) / slowest backend`,
      value: `${fmt(f.list.p50, 0)} / ${f.slowestMs}`,
      ratio: fmt(f.fanoutRatioP50, 3),
      target: '≤ 1.10',
      met: check(f.fanoutRatioP50, (v) => v <= 1.1),
    },
    {
      scenario: 'cached list',
      figure: 'req/s gateway / bare Fastify',
      value: `${c.cachedListRps} / ${c.bareRps}`,
      ratio: fmt(c.cachedListRatio, 3),
      target: '≥ 0.5',
      met: check(c.cachedListRatio, (v) => v >= 0.5),
    },
  ];
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
