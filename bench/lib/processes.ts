import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { TOPOLOGY_VARIABLES } from './redis-target';

const ROOT = join(__dirname, '..', '..', '..');
export const DIST_MAIN = join(ROOT, 'dist', 'src', 'main.js');
export const DIST_SIMULATOR = join(ROOT, 'dist', 'sandbox', 'simulator.cli.js');

export interface Child {
  process: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Starts a node process and waits for a line matching `ready` on its stdout. */
export function startNode(
  script: string,
  args: string[],
  env: Record<string, string>,
  ready: RegExp,
): Promise<Child & { match: RegExpMatchArray }> {
  const child = spawn(process.execPath, [script, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  let stopping = false;
  const stop = () =>
    new Promise<void>((resolve) => {
      stopping = true;
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.once('exit', () => {
        clearTimeout(force);
        resolve();
      });
      child.kill('SIGTERM');
    });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${script} did not start:\n${output.slice(-2000)}`)),
      60_000,
    );
    const check = () => {
      const match = output.match(ready);
      if (!match) return;
      clearTimeout(timer);
      child.stdout.off('data', check);
      // A helper process that dies mid-run would otherwise only show as tasks that never end.
      child.once('exit', (code, signal) => {
        if (!stopping)
          console.error(`${script} ${args[0] ?? ''} exited (${code ?? signal}):\n${output.slice(-3000)}`);
      });
      resolve({ process: child, output: () => output, stop, match });
    };
    child.stdout.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with ${code}:\n${output.slice(-2000)}`));
    });
  });
}

/** A simulator in its own process, as `npm run simulator` runs it. */
export async function startSimulator(
  kind: string,
  speed: number,
): Promise<Child & { connection: Record<string, unknown>; url: string }> {
  const child = await startNode(
    DIST_SIMULATOR,
    [kind, '--speed', String(speed), '--data-dir', join(ROOT, '.sandbox', 'bench')],
    {},
    /SIMULATOR CONTROL (\S+)\nSIMULATOR READY (.+)\n/,
  );
  const connection = JSON.parse(child.match[2]) as Record<string, unknown>;
  return { ...child, connection, url: child.match[1] };
}

/**
 * A gateway process from the build, in production mode; ready once `/health/ready` answers 200. `redisEnv` names
 * its Redis (`REDIS_URL` or `REDIS_CLUSTER_NODES`); whatever topology the bench's own environment names is left out.
 */
export async function startGateway(options: {
  configPath: string;
  redisEnv: Record<string, string>;
  role: 'api' | 'worker' | 'all';
  port: number;
  /** Told apart in CPU profiles when several processes share a role. */
  label?: string;
}): Promise<Child & { url: string }> {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !TOPOLOGY_VARIABLES.includes(name)),
  );
  const env = {
    ...options.redisEnv,
    GATEWAY_CONFIG: options.configPath,
    GATEWAY_ROLE: options.role,
    PORT: String(options.port),
    HOST: '127.0.0.1',
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
  };
  // BENCH_CPU_PROF=<dir>: V8 CPU profiles of the gateway processes, written when they exit (for the profiler).
  const profile = process.env.BENCH_CPU_PROF
    ? [
        '--cpu-prof',
        '--cpu-prof-dir',
        process.env.BENCH_CPU_PROF,
        '--cpu-prof-name',
        `${options.label ?? options.role}.cpuprofile`,
      ]
    : [];
  const child = spawn(process.execPath, [...profile, DIST_MAIN], {
    env: { ...inherited, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`gateway exited with ${child.exitCode}:\n${output.slice(-2000)}`);
    const ok = await fetch(`http://127.0.0.1:${options.port}/health/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`gateway did not become ready:\n${output.slice(-2000)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  let stopping = false;
  // A worker that dies mid-run would otherwise only show as tasks that end late.
  child.once('exit', (code, signal) => {
    if (!stopping)
      console.error(
        `gateway ${options.label ?? options.role} exited (${code ?? signal}):\n${output.slice(-3000)}`,
      );
  });
  return {
    url: `http://127.0.0.1:${options.port}`,
    process: child,
    output: () => output,
    stop: () =>
      new Promise<void>((resolve) => {
        stopping = true;
        if (child.exitCode !== null) return resolve();
        const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(force);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

/** Resident set size of a process in MiB, from /proc (Linux). */
export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round((kb / 1024) * 10) / 10;
}
