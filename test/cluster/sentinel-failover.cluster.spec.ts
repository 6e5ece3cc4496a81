import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { keys } from '../../src/common/redis/keys';
import { decodeEvent } from '../../src/tasks/task-event.codec';
import { api, clientFor } from '../support/api';
import { audit, type AuditFigures } from '../support/crash-audit';
import {
  BACKENDS,
  connectionOf,
  startBackends,
  type BackendKind,
  type Backends,
} from '../support/crash-backends';
import type { ResourceKind } from '../support/crash-census';
import { CrashClient } from '../support/crash-client';
import { CRASH_KEY } from '../support/crash-cluster';
import { expectNothingLostOrDuplicated } from '../support/crash-expect';
import { loadPicks, runChain, type ChainPlan, type ChainResult, type Picks } from '../support/crash-workload';
import { freePort } from '../support/external-redis';
import { startSentinelSet, type SentinelSetHandle } from '../support/redis-topology';
import { spawnGateway, type GatewayProcess } from '../support/crash-process';

// Issue 16, point 5: the primary of a Sentinel-watched pair killed (kill -9) while 200 tasks run over the four
// backends, under an api and a worker process from the build (docs/design.md#redis-topology).
//
// What is asserted: every task a client was given ends, once (one terminal event each in its connection's
// stream), none is lost, no backend resource is made twice; requests sent while Sentinel switches the primary are
// answered, 503 problem+json `unavailable` while there is none, and none hangs (each has a bounded client timeout:
// answers are counted, latencies are not asserted).
//
// Replication is asynchronous: what the primary acknowledged in its last moments may not have reached the replica.
// The kill comes once the replica acknowledged every accept (WAIT), so what clients were told is on both; the
// workers' writes after that point (steps, ends, events, BullMQ's own) are what the switch may take back, and what
// the gateway must cope with.

jest.setTimeout(180_000);

/** Simulated time runs 5 times faster: a server create takes two to eight seconds, so tasks are open at the kill. */
const SPEED = 5;
const TASKS = 200;
/** Each request of the switch is given up after this (the client's own bound, never reached by a healthy gateway). */
const PROBE_TIMEOUT_MS = 15_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resource kinds per backend; DCImanager has servers only (bare metal). */
const RESOURCES: Record<BackendKind, ResourceKind[]> = {
  cloudmc: ['server', 'network', 'server'],
  cloudsigma: ['server', 'volume', 'network'],
  dcimanager: ['server'],
  imco: ['server', 'volume', 'network'],
};

/** Which backend each create goes to, in turn: DCImanager less often, its stock of one configuration is finite. */
const SPREAD: BackendKind[] = [
  'cloudmc',
  'cloudsigma',
  'imco',
  'dcimanager',
  'cloudmc',
  'cloudsigma',
  'imco',
];

function plan(prefix: string, index: number, kind: BackendKind, resource: ResourceKind): ChainPlan {
  const id = `${prefix}-c${String(index).padStart(3, '0')}`;
  return {
    id,
    kind,
    resource,
    name: `${id}-${resource.slice(0, 3)}`,
    actions: [],
    remove: false,
    preferWait: false,
  };
}

/** One request sent during the switch (or just after it, `afterSwitch`), and what became of it. */
type Probe = { what: string; afterSwitch: boolean } & (
  | { kind: 'answer'; status: number; contentType: string; code?: string }
  | { kind: 'no-answer'; reason: string }
);

describe('Sentinel fail-over under 200 running tasks (cluster: primary killed, replica promoted)', () => {
  let set: SentinelSetHandle;
  let backends: Backends;
  let dir: string;
  let processes: GatewayProcess[] = [];
  let baseUrl: string;

  beforeAll(async () => {
    set = await startSentinelSet();
    backends = await startBackends(SPEED);
    dir = mkdtempSync(join(tmpdir(), 'cloudmux-failover-config-'));
    const configPath = join(dir, 'gateway.yaml');
    writeFileSync(
      configPath,
      JSON.stringify({
        apiKeys: [{ name: 'crash', key: CRASH_KEY, scopes: ['read', 'write'], providers: ['*'] }],
        providers: backends.providers({
          pollIntervalMs: Math.round(1000 / SPEED),
          maxPollIntervalMs: Math.round(5000 / SPEED),
          timeoutMs: 15_000,
          retries: 1,
          listDeadlineMs: 2_000,
        }),
        server: { rateLimitPerMinute: 0 },
        // A job whose worker lost it in the switch is taken over after the lock lapses: 5 s.
        tasks: { stalledIntervalMs: 1_000, lockDurationMs: 5_000 },
        cache: { freshMs: 1_000, staleMs: 60_000 },
      }),
    );
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    const redisEnv = { REDIS_SENTINELS: set.sentinels, REDIS_SENTINEL_NAME: set.name };
    processes = await Promise.all([
      spawnGateway({ configPath, role: 'api', port, redisEnv }),
      spawnGateway({ configPath, role: 'worker', port: 0, redisEnv }),
    ]);
  });

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop().catch(() => undefined)));
    // FAILOVER_LOGS=<dir>: the gateway processes' logs, to read after a failure.
    const logs = process.env.FAILOVER_LOGS;
    if (logs) for (const p of processes) writeFileSync(join(logs, `failover-${p.role}.log`), p.output());
    await backends?.stop();
    await set?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('should end every task once, lose none, make nothing twice, and answer 503 (never hang) during the switch', async () => {
    const known = new Set<string>();
    const crash = new CrashClient(
      clientFor(baseUrl, CRASH_KEY),
      { attemptTimeoutMs: 10_000, giveUpMs: 60_000 },
      known,
    );
    const picks: Picks = await loadPicks(crash.client);
    const env = { crash, picks, taskMaxMs: 90_000 };

    // 200 creates over the four backends, all accepted before the kill.
    const plans = Array.from({ length: TASKS }, (_, i) => {
      const kind = SPREAD[i % SPREAD.length];
      return plan('fo', i, kind, RESOURCES[kind][Math.floor(i / SPREAD.length) % RESOURCES[kind].length]);
    });
    let ended = 0;
    const chains = plans.map((p) =>
      runChain(p, env).then((result) => {
        ended++;
        return result;
      }),
    );
    const deadline = Date.now() + 60_000;
    while (crash.figures.accepted + crash.figures.refused < TASKS && Date.now() < deadline) await sleep(50);
    expect(crash.figures.accepted).toBe(TASKS);

    // What clients were told is on the replica too (see the top of this file).
    const primary = new Redis({ port: set.primaryPort, host: '127.0.0.1', lazyConnect: true });
    primary.on('error', () => undefined);
    await primary.set('failover-probe', '1');
    expect(await primary.wait(1, 5_000)).toBe(1);
    primary.disconnect();

    const openAtKill = TASKS - ended;
    await set.killPrimary();

    // While the sentinels agree on a new primary and the gateway finds it: reads, lists and creates, each bounded.
    const reader = clientFor(baseUrl, CRASH_KEY);
    const acceptedIds = [...known];
    const probes: Array<Promise<Probe>> = [];
    const probeCreates: ChainPlan[] = [];
    let switched = false;
    const probe = async (
      what: string,
      call: (signal: AbortSignal) => Promise<{ response?: Response; error?: unknown }>,
    ): Promise<Probe> => {
      const afterSwitch = switched;
      try {
        const answer = await call(AbortSignal.timeout(PROBE_TIMEOUT_MS));
        const response = answer.response!;
        return {
          what,
          kind: 'answer',
          status: response.status,
          contentType: response.headers.get('content-type') ?? '',
          code: (answer.error as { code?: string } | undefined)?.code,
          afterSwitch,
        };
      } catch (error) {
        return { what, kind: 'no-answer', reason: (error as Error).name, afterSwitch };
      }
    };
    const round = (index: number): Array<Promise<Probe>> => {
      const id = acceptedIds[index % acceptedIds.length];
      const kind = (['cloudmc', 'cloudsigma', 'imco'] as const)[index % 3];
      const created = plan('fo-p', index, kind, 'server');
      probeCreates.push(created);
      const sent = [
        probe('read', (signal) => api.getTask({ client: reader, path: { id }, signal })),
        probe('list', (signal) => api.listTasks({ client: reader, query: { pageSize: 5 }, signal })),
        probe('create', (signal) =>
          api.createServer({
            client: reader,
            body: { provider: connectionOf(kind), name: created.name, ...picks[kind] },
            headers: { 'Idempotency-Key': `${created.id}-create` },
            signal,
          }),
        ),
      ];
      probes.push(...sent);
      return sent;
    };
    const failover = set.failedOver(30_000).finally(() => (switched = true));
    const switchBegan = Date.now();
    let index = 0;
    // During the switch: a round every 200 ms, not waiting for the answers (a hang would pile up, not stall us).
    while (!switched) {
      void round(index++);
      await sleep(200);
    }
    // After it: rounds until the gateway serves again (it finds the new primary on its next reconnect attempt).
    let servedAgainMs: number | null = null;
    for (let tries = 0; tries < 30 && servedAgainMs === null; tries++) {
      const answers = await Promise.all(round(index++));
      if (answers.some((a) => a.kind === 'answer' && a.status < 300))
        servedAgainMs = Date.now() - switchBegan;
      else await sleep(500);
    }
    const newPrimary = await failover;
    const answers = await Promise.all(probes);

    // A create the switch answered 503 is sent again with its key, as the contract tells clients; those answered
    // 202 are replayed. Either way each is one task, audited with the rest.
    const results: ChainResult[] = await Promise.all([
      ...chains,
      ...probeCreates.map((p) => runChain(p, env)),
    ]);
    const figures: AuditFigures = await audit(crash, backends, results, known);

    // One terminal event per task, in its connection's stream on the new primary.
    const observer = new Redis({
      sentinels: set.sentinels
        .split(',')
        .map((node) => ({ host: '127.0.0.1', port: Number(node.split(':')[1]) })),
      name: set.name,
    });
    const terminal = new Map<string, string[]>();
    try {
      for (const kind of BACKENDS) {
        const entries = (await observer.xrange(keys.events(connectionOf(kind)), '-', '+')) as Array<
          [string, string[]]
        >;
        for (const [id, fields] of entries) {
          const event = decodeEvent(id, fields);
          if (!event || !/^task\.(succeeded|failed|canceled)$/.test(event.type)) continue;
          terminal.set(event.taskId, [...(terminal.get(event.taskId) ?? []), event.type]);
        }
      }
    } finally {
      observer.disconnect();
    }
    const finals = results.flatMap((r) => r.entries.flatMap((e) => (e.final ? [e.final] : [])));
    const eventMismatches = finals
      .filter((task) => (terminal.get(task.id) ?? []).join() !== `task.${task.status}`)
      .map((task) => `${task.id} ${task.status}: ${(terminal.get(task.id) ?? []).join() || 'none'}`);

    const noAnswer = answers.filter((a) => a.kind === 'no-answer');
    const answered = answers.flatMap((a) => (a.kind === 'answer' ? [a] : []));
    const unavailable = answered.filter((a) => a.status === 503);
    const summary = {
      openAtKill,
      servedAgainMs,
      newPrimary,
      probes: answers.length,
      byStatus: answered.reduce<Record<string, number>>(
        (n, a) => ({ ...n, [`${a.what} ${a.status}`]: (n[`${a.what} ${a.status}`] ?? 0) + 1 }),
        {},
      ),
      client: crash.figures,
      histogram: figures.histogram,
      failures: figures.failures.slice(0, 5),
    };
    console.log(`sentinel fail-over: ${JSON.stringify(summary)}`);

    expect(newPrimary).toBe(set.replicaPort);
    // The kill caught work in flight.
    expect(openAtKill).toBeGreaterThan(TASKS / 4);
    // Never a hang: every request of the switch was answered within its bound...
    expect(noAnswer).toEqual([]);
    expect(crash.figures.pollsWithoutAnswer).toBe(0);
    expect(crash.figures.transportErrors).toBe(0);
    // ...503 problem+json `unavailable` while there was no primary, 2xx otherwise; and the switch was seen.
    for (const answer of answered) {
      if (answer.status === 503)
        expect([answer.what, answer.contentType, answer.code]).toEqual([
          answer.what,
          expect.stringMatching(/^application\/problem\+json/),
          'unavailable',
        ]);
      expect([answer.what, [200, 202, 503].includes(answer.status)]).toEqual([answer.what, true]);
    }
    expect(unavailable.length).toBeGreaterThan(0);
    // Once the sentinels named the new primary, the gateway serves again.
    expect(answered.filter((a) => a.afterSwitch && a.status < 300).length).toBeGreaterThan(0);
    // Every task ended once, none lost, nothing made twice.
    expectNothingLostOrDuplicated(figures, TASKS);
    expect(figures.accepted).toBe(TASKS + probeCreates.length);
    expect(eventMismatches).toEqual([]);
  });
});
