import 'reflect-metadata';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedRedis, findRedisBinary } from '../sandbox/embedded-redis';
import { SIMULATORS } from '../sandbox/simulators/simulator-kinds';
import type { BenchContext, BenchSimulator } from './lib/context';
import { freePort, startGateway, startSimulator } from './lib/processes';
import { machine, writeResults, type Row } from './lib/results';
import { cachedList } from './scenarios/cached-list';
import { fanout } from './scenarios/fanout';
import { overhead } from './scenarios/overhead';
import { tasks } from './scenarios/tasks';

const KEY = 'bench-key-000000000000000000000000';

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

const fmt = (n: number | null | undefined, digits = 2) =>
  n === null || n === undefined ? 'n/a' : n.toFixed(digits);
const check = (value: number | null | undefined, ok: (v: number) => boolean) =>
  value === null || value === undefined ? null : ok(value);

async function main(): Promise<void> {
  const mode =
    MODES[process.argv.includes('--smoke') ? 'smoke' : process.argv.includes('--quick') ? 'quick' : 'full'];
  const startedAt = new Date().toISOString();
  const stops: Array<() => Promise<void>> = [];
  try {
    console.log(
      `bench (${mode.name}): starting Redis, ${SIMULATORS.length} simulator(s), gateway api + worker...`,
    );
    const redis = await startEmbeddedRedis({
      dir: mkdtempSync(join(tmpdir(), 'cloudmux-bench-redis-')),
      binary: findRedisBinary({ install: false, searchPath: process.env.PATH ?? '', log: () => undefined }),
    });
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
    const config = {
      apiKeys: [{ name: 'bench', key: KEY, scopes: ['read', 'write'], providers: ['*'] }],
      providers: simulators.map((s) => ({
        name: s.name,
        ...s.connection,
        pollIntervalMs: 200,
        maxPollIntervalMs: 1_000,
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
    const api = await startGateway({ configPath, redisUrl: redis.url, role: 'api', port });
    stops.push(() => api.stop());
    const worker = await startGateway({
      configPath,
      redisUrl: redis.url,
      role: 'worker',
      port: await freePort(),
    });
    stops.push(() => worker.stop());
    const context: BenchContext = {
      apiUrl: `http://127.0.0.1:${port}`,
      key: KEY,
      redisUrl: redis.url,
      simulators,
      api,
      worker,
      loadSeconds: mode.loadSeconds,
      taskCount: mode.taskCount,
    };

    console.log(
      'overhead: one GET through the gateway vs straight to the backend, 20 ms latency, 50 concurrent',
    );
    const overheadResult = await overhead(context);
    console.log('fan-out: GET /v1/servers across the backends at 10/20/50/100 ms');
    const fanoutResult = await fanout(context);
    console.log('cached list: gateway vs a bare Fastify endpoint with the same payload');
    const cached = await cachedList(context);
    if (process.argv.includes('--reads-only')) {
      // For profiling the read path: no tasks, no results written.
      console.log(JSON.stringify({ overheadResult, fanoutResult, cached }, null, 2));
      return;
    }
    console.log(`tasks: ${mode.taskCount} in flight across ${simulators.length} backend(s)`);
    const tasksResult = await tasks(context);

    const summary = {
      mode: mode.name,
      startedAt,
      finishedAt: new Date().toISOString(),
      machine: machine(),
      backends: simulators.map((s) => s.kind),
      overheadRatioP50: overheadResult.overheadRatioP50,
      overheadRatioP99: overheadResult.overheadRatioP99,
      fanoutRatioP50: fanoutResult.fanoutRatioP50,
      cachedListRps: cached.cachedListRps,
      bareRps: cached.bareRps,
      cachedListRatio: cached.cachedListRatio,
      tasks: tasksResult.summary,
      scenarios: { overhead: overheadResult, fanout: fanoutResult, cachedList: cached, tasks: tasksResult },
    };
    const t = tasksResult.summary;
    const rows: Row[] = [
      {
        scenario: 'overhead',
        figure: `p50 gateway / direct (ms)`,
        value: `${fmt(overheadResult.gateway.p50, 0)} / ${fmt(overheadResult.direct.p50, 0)}`,
        ratio: fmt(overheadResult.overheadRatioP50, 3),
        target: '≤ 1.05',
        met: check(overheadResult.overheadRatioP50, (v) => v <= 1.05),
      },
      {
        scenario: 'overhead',
        figure: `p99 gateway / direct (ms)`,
        value: `${fmt(overheadResult.gateway.p99, 0)} / ${fmt(overheadResult.direct.p99, 0)}`,
        ratio: fmt(overheadResult.overheadRatioP99, 3),
        target: '≤ 1.15',
        met: check(overheadResult.overheadRatioP99, (v) => v <= 1.15),
      },
      {
        scenario: 'fan-out',
        figure: `p50 of GET /v1/servers (ms) / slowest backend`,
        value: `${fmt(fanoutResult.list.p50, 0)} / ${fanoutResult.slowestMs}`,
        ratio: fmt(fanoutResult.fanoutRatioP50, 3),
        target: '≤ 1.10',
        met: check(fanoutResult.fanoutRatioP50, (v) => v <= 1.1),
      },
      {
        scenario: 'cached list',
        figure: 'req/s gateway / bare Fastify',
        value: `${cached.cachedListRps} / ${cached.bareRps}`,
        ratio: fmt(cached.cachedListRatio, 3),
        target: '≥ 0.5',
        met: check(cached.cachedListRatio, (v) => v >= 0.5),
      },
      {
        scenario: 'tasks',
        figure: 'completed / in flight',
        value: `${t.completed} / ${t.count}`,
        ratio: fmt(t.count ? t.completed / t.count : null, 3),
        target: '100 %',
        met: t.completed === t.count,
      },
      {
        scenario: 'tasks',
        figure: 'lost, duplicated',
        value: `${t.lost}, ${t.duplicated}`,
        ratio: '',
        target: '0, 0',
        met: t.lost === 0 && t.duplicated === 0,
      },
      {
        scenario: 'tasks',
        figure: 'p99 detection lag (ms)',
        value: fmt(t.p99DetectLagMs, 0),
        ratio: '',
        target: `≤ poll interval + 1 s (${t.pollIntervalMs + 1000})`,
        met: check(t.p99DetectLagMs, (v) => v <= t.pollIntervalMs + 1000),
      },
      {
        scenario: 'tasks',
        figure: 'upstream polls per task per minute',
        value: fmt(t.upstreamPollsPerTaskPerMinute),
        ratio: '',
        target: 'one list call per connection per tick',
        met: null,
      },
      {
        scenario: 'tasks',
        figure: 'Redis bytes per task (all: engine + read cache)',
        value: fmt(t.redisBytesPerTask, 0),
        ratio: '',
        target: '≤ 2048',
        met: check(t.redisBytesPerTask, (v) => v <= 2048),
      },
      {
        scenario: 'tasks',
        figure: 'Redis bytes per task (task engine keys only)',
        value: fmt(t.redisTaskEngineBytesPerTask, 0),
        ratio: '',
        target: '≤ 2048',
        met: check(t.redisTaskEngineBytesPerTask, (v) => v <= 2048),
      },
      {
        scenario: 'tasks',
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
      {
        scenario: 'tasks',
        figure: 'worker RSS (MiB)',
        value: fmt(t.workerRssMb, 1),
        ratio: '',
        target: '≤ 300',
        met: check(t.workerRssMb, (v) => v <= 300),
      },
    ];
    const written = writeResults(
      join(__dirname, '..', '..', 'bench', 'results'),
      mode.name === 'smoke' ? 'smoke' : 'latest',
      summary,
      rows,
    );
    console.log(
      `\n${rows.map((r) => `${r.scenario.padEnd(12)} ${r.figure.padEnd(48)} ${r.value.padEnd(16)} ${r.ratio.padEnd(7)} ${r.target}`).join('\n')}`,
    );
    console.log(`\nwrote ${written.json} and ${written.markdown}`);
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
