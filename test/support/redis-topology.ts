import { ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { findRedisBinary } from '../../sandbox/embedded-redis';
import { freePort } from './external-redis';

/**
 * Redis topologies of the test's own (docs/design.md#redis-topology): a Redis Cluster of plain
 * `redis-server --cluster-enabled yes` processes, and a primary + replica watched by three sentinels. Every
 * process listens on 127.0.0.1 only, keeps its files in a temp directory of its own, and is killed when the
 * test process exits even if `stop()` is never reached.
 */

const run = promisify(execFile);
const LOOPBACK = '127.0.0.1';

export interface RedisClusterHandle {
  /** `host:port,…` of every primary, as REDIS_CLUSTER_NODES takes it. */
  readonly nodes: string;
  readonly ports: number[];
  stop(): Promise<void>;
}

export interface SentinelSetHandle {
  /** `host:port,…` of the three sentinels, as REDIS_SENTINELS takes it. */
  readonly sentinels: string;
  /** The monitored primary's name, as REDIS_SENTINEL_NAME takes it. */
  readonly name: string;
  /** Port of the primary at start (the replica's port after a fail-over: see `currentPrimaryPort`). */
  readonly primaryPort: number;
  readonly replicaPort: number;
  readonly sentinelPorts: number[];
  /** SIGKILL of the current primary; returns at once, the fail-over is Sentinel's business. */
  killPrimary(): Promise<void>;
  /** Resolves with the new primary's port once a quorum of sentinels names a primary that is up and writable. */
  failedOver(timeoutMs?: number): Promise<number>;
  /** The port the sentinels name as primary now. */
  currentPrimaryPort(): Promise<number>;
  stop(): Promise<void>;
}

export interface TopologyOptions {
  /** requirepass (and masterauth) of the data nodes; the sentinels then authenticate to them with it. */
  password?: string;
  /** requirepass of the sentinels themselves. */
  sentinelPassword?: string;
}

interface Proc {
  child: ChildProcess;
  readonly port: number;
  readonly dir: string;
  readonly args: string[];
}

function redisBinary(): string {
  return findRedisBinary({ install: false, searchPath: process.env.PATH ?? '', log: () => undefined });
}

const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) =>
    child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve()),
  );

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, LOOPBACK, () => server.close(() => resolve(true)));
  });
}

/**
 * A free port whose cluster bus port (port + 10000) is free too. The kernel's ephemeral ports sit too high for
 * that, so ports are drawn from 20000–29999, where the bus port still fits below 65536.
 */
async function freeClusterPort(taken: Set<number>): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 10_000);
    if (taken.has(port) || taken.has(port + 10_000)) continue;
    if ((await canBind(port)) && (await canBind(port + 10_000))) {
      taken.add(port);
      taken.add(port + 10_000);
      return port;
    }
  }
  throw new Error('no free port pair (port, port + 10000) for a cluster node');
}

/** Spawns redis-server with `args` and resolves once it accepts connections. */
function spawnReady(binary: string, args: string[], port: number, dir: string): Promise<Proc> {
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`redis-server on ${port} not ready: ${output.slice(-500)}`));
    }, 15_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (/ready to accept connections|Sentinel ID is/i.test(output)) {
        clearTimeout(timer);
        child.stdout?.off('data', onData).resume();
        child.stderr?.off('data', onData).resume();
        child.off('exit', onExit);
        resolve({ child, port, dir, args });
      }
    };
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`redis-server on ${port} exited with ${code}: ${output.slice(-500)}`));
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
  });
}

/** One command through redis-cli (no client library state to clean up between polls). */
async function cli(port: number, args: string[], password?: string): Promise<string> {
  const auth = password ? ['--no-auth-warning', '-a', password] : [];
  const { stdout } = await run('redis-cli', ['-h', LOOPBACK, '-p', String(port), ...auth, ...args], {
    timeout: 5_000,
  });
  return stdout;
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: Error | undefined;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error as Error;
    }
    await sleep(100);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last.message}` : ''}`);
}

/** Kills every process on test-process exit, whatever happened to the test. */
function reaper(procs: () => Proc[]): { release(): void } {
  const killAll = () => procs().forEach((proc) => proc.child.kill('SIGKILL'));
  process.on('exit', killAll);
  return { release: () => process.off('exit', killAll) };
}

async function stopAll(procs: Proc[], dirs: string[]): Promise<void> {
  await Promise.all(
    procs.map((proc) => {
      proc.child.kill('SIGKILL');
      return exited(proc.child);
    }),
  );
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
}

const authArgs = (password?: string) =>
  password ? ['--requirepass', password, '--masterauth', password] : [];

/**
 * A Redis Cluster of `shards` primaries (no replicas), slots spread evenly by `redis-cli --cluster create`,
 * resolved once every node reports `cluster_state:ok`.
 */
export async function startRedisCluster(
  options: { shards?: number } & TopologyOptions = {},
): Promise<RedisClusterHandle> {
  const shards = options.shards ?? 3;
  if (shards < 3) throw new Error('redis-cli --cluster create needs at least 3 primaries');
  const binary = redisBinary();
  const root = mkdtempSync(join(tmpdir(), 'cloudmux-cluster-'));
  const procs: Proc[] = [];
  const guard = reaper(() => procs);
  try {
    const taken = new Set<number>();
    for (let index = 0; index < shards; index++) {
      let proc: Proc | undefined;
      for (let attempt = 0; !proc; attempt++) {
        const port = await freeClusterPort(taken);
        const dir = join(root, String(port));
        mkdirSync(dir, { recursive: true });
        const args = [
          ...['--port', String(port), '--bind', LOOPBACK, '--dir', dir, '--protected-mode', 'yes'],
          ...['--cluster-enabled', 'yes', '--cluster-config-file', join(dir, 'nodes.conf')],
          // Short: a node seen failing is marked so quickly (the tests never fail a cluster node over, but a
          // stuck handshake should show soon).
          ...['--cluster-node-timeout', '2000', '--save', '', '--appendonly', 'no'],
          ...authArgs(options.password),
        ];
        try {
          proc = await spawnReady(binary, args, port, dir);
        } catch (error) {
          // Most likely the port pair was taken between the probe and the bind.
          if (attempt >= 2) throw error;
        }
      }
      procs.push(proc);
    }
    const ports = procs.map((proc) => proc.port);
    const nodes = ports.map((port) => `${LOOPBACK}:${port}`);
    await run(
      'redis-cli',
      [
        ...(options.password ? ['--no-auth-warning', '-a', options.password] : []),
        ...['--cluster', 'create', ...nodes, '--cluster-replicas', '0', '--cluster-yes'],
      ],
      { timeout: 30_000 },
    );
    for (const port of ports) {
      await until(`cluster_state:ok on ${port}`, 20_000, async () => {
        const info = await cli(port, ['CLUSTER', 'INFO'], options.password);
        return /cluster_state:ok/.test(info) && new RegExp(`cluster_known_nodes:${shards}\\b`).test(info)
          ? true
          : undefined;
      });
    }
    return {
      nodes: nodes.join(','),
      ports,
      async stop() {
        guard.release();
        await stopAll(procs, [root]);
      },
    };
  } catch (error) {
    guard.release();
    await stopAll(procs, [root]);
    throw error;
  }
}

/**
 * A primary, one replica and three sentinels (quorum 2) with short timeouts: a killed primary is judged down
 * after 1 s and the replica promoted within a few seconds. The name is `cloudmux`.
 */
export async function startSentinelSet(options: TopologyOptions = {}): Promise<SentinelSetHandle> {
  const name = 'cloudmux';
  const binary = redisBinary();
  const root = mkdtempSync(join(tmpdir(), 'cloudmux-sentinel-'));
  const procs: Proc[] = [];
  const guard = reaper(() => procs);
  const dataArgs = (port: number, dir: string) => [
    ...['--port', String(port), '--bind', LOOPBACK, '--dir', dir, '--protected-mode', 'yes'],
    ...['--save', '', '--appendonly', 'no'],
    // The replica must announce the address clients can reach; on loopback that is what Redis sees anyway.
    ...['--replica-announce-ip', LOOPBACK],
    ...authArgs(options.password),
  ];
  const startData = async (role: string, extra: string[] = []): Promise<Proc> => {
    for (let attempt = 0; ; attempt++) {
      const port = await freePort();
      const dir = join(root, `${role}-${port}`);
      mkdirSync(dir, { recursive: true });
      try {
        return await spawnReady(binary, [...dataArgs(port, dir), ...extra], port, dir);
      } catch (error) {
        if (attempt >= 2) throw error;
      }
    }
  };
  try {
    const primary = await startData('primary');
    procs.push(primary);
    const replica = await startData('replica', ['--replicaof', LOOPBACK, String(primary.port)]);
    procs.push(replica);
    await until('the replica in sync', 15_000, async () =>
      /master_link_status:up/.test(await cli(replica.port, ['INFO', 'replication'], options.password))
        ? true
        : undefined,
    );

    for (let index = 0; index < 3; index++) {
      let sentinel: Proc | undefined;
      for (let attempt = 0; !sentinel; attempt++) {
        const port = await freePort();
        const dir = join(root, `sentinel-${port}`);
        mkdirSync(dir, { recursive: true });
        // Sentinel rewrites its config file as it learns; each needs its own, writable.
        const config = join(dir, 'sentinel.conf');
        writeFileSync(
          config,
          [
            `port ${port}`,
            `bind ${LOOPBACK}`,
            `dir ${dir}`,
            'protected-mode yes',
            `sentinel announce-ip ${LOOPBACK}`,
            `sentinel monitor ${name} ${LOOPBACK} ${primary.port} 2`,
            `sentinel down-after-milliseconds ${name} 1000`,
            `sentinel failover-timeout ${name} 5000`,
            `sentinel parallel-syncs ${name} 1`,
            ...(options.password ? [`sentinel auth-pass ${name} ${options.password}`] : []),
            ...(options.sentinelPassword ? [`requirepass ${options.sentinelPassword}`] : []),
            '',
          ].join('\n'),
        );
        try {
          sentinel = await spawnReady(binary, [config, '--sentinel'], port, dir);
        } catch (error) {
          if (attempt >= 2) throw error;
        }
      }
      procs.push(sentinel);
    }
    const sentinels = procs.slice(2);
    const ask = (port: number, args: string[]) => cli(port, args, options.sentinelPassword);

    // A fail-over needs every sentinel to know the replica and enough peers for the quorum and the leader vote.
    for (const sentinel of sentinels) {
      await until(`sentinel ${sentinel.port} to know the replica and its peers`, 20_000, async () => {
        const replicas = await ask(sentinel.port, ['SENTINEL', 'REPLICAS', name]);
        const peers = await ask(sentinel.port, ['SENTINEL', 'SENTINELS', name]);
        const peerCount = (peers.match(/^runid$/gm) ?? []).length;
        return replicas.includes(String(replica.port)) && peerCount >= 2 ? true : undefined;
      });
    }

    let current: Proc = primary;
    const currentPrimaryPort = async (): Promise<number> => {
      const answer = await ask(sentinels[0].port, ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name]);
      return Number(answer.trim().split('\n')[1]);
    };

    return {
      sentinels: sentinels.map((sentinel) => `${LOOPBACK}:${sentinel.port}`).join(','),
      name,
      primaryPort: primary.port,
      replicaPort: replica.port,
      sentinelPorts: sentinels.map((sentinel) => sentinel.port),
      async killPrimary() {
        const port = await currentPrimaryPort();
        current = procs.find((proc) => proc.port === port) ?? current;
        current.child.kill('SIGKILL');
        await exited(current.child);
      },
      async failedOver(timeoutMs = 30_000) {
        const dead = current.port;
        return until('the sentinels to promote a new primary', timeoutMs, async () => {
          const answers = await Promise.all(
            sentinels.map((sentinel) =>
              ask(sentinel.port, ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name]).then(
                (answer) => Number(answer.trim().split('\n')[1]),
                () => 0,
              ),
            ),
          );
          const promoted = answers.filter((port) => port && port !== dead);
          if (promoted.length < 2) return undefined;
          const port = promoted[0];
          const role = await cli(port, ['ROLE'], options.password);
          return role.startsWith('master') ? port : undefined;
        });
      },
      currentPrimaryPort,
      async stop() {
        guard.release();
        await stopAll(procs, [root]);
      },
    };
  } catch (error) {
    guard.release();
    await stopAll(procs, [root]);
    throw error;
  }
}
