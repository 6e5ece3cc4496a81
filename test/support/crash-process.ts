import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { GatewayRole } from '../../src/config/env';

/** The build to run; `CRASH_GATEWAY_MAIN` points the crash suites at another one (e.g. a patched copy). */
const MAIN = process.env.CRASH_GATEWAY_MAIN ?? join(__dirname, '..', '..', 'dist', 'src', 'main.js');
/** Enough of a process's log to explain a failure, without holding a long run's whole output. */
const TAIL_CHARS = 200_000;
const START_TIMEOUT_MS = 90_000;

/** Log lines worth counting in a crash run: each tells how the gateway coped with something. */
export const SIGNALS = {
  notEnqueued: /stored but not enqueued/g,
  swept: /re-enqueued \d+ task/g,
  abandoned: /abandoned:/g,
  stepRetried: /failed \([a-z_]+\), retrying/g,
  lockLost: /[Mm]issing lock|Lock mismatch|could not renew lock/g,
  taskFailed: /\) failed: /g,
};
export type Signal = keyof typeof SIGNALS;

/** One gateway process from the build; unlike child-gateway.ts it listens on a port the test chose. */
export interface GatewayProcess {
  readonly role: GatewayRole;
  readonly pid: number;
  output(): string;
  /** How often each of `SIGNALS` appeared in its log (counted as it streams, never truncated). */
  signals(): Record<Signal, number>;
  /** kill -9: the process dies at once, whatever it was doing. */
  crash(): Promise<void>;
  stop(): Promise<void>;
}

export interface GatewayProcessOptions {
  configPath: string;
  /**
   * One Redis (REDIS_URL), or a topology's variables (REDIS_SENTINELS + REDIS_SENTINEL_NAME, REDIS_CLUSTER_NODES,
   * credentials). With the latter none of the test process's own REDIS_* variables is passed on: two topologies at
   * once are refused.
   */
  redisUrl?: string;
  redisEnv?: Record<string, string>;
  role: GatewayRole;
  /** 0 for workers (their HTTP port is never used); a fixed one for the api, so a restart keeps its address. */
  port: number;
}

const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) =>
    child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve()),
  );

export async function spawnGateway(options: GatewayProcessOptions): Promise<GatewayProcess> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` first (npm test does)`);
  const inherited = options.redisEnv
    ? Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('REDIS_')))
    : process.env;
  const child = spawn(process.execPath, [MAIN], {
    env: {
      ...inherited,
      ...(options.redisEnv ?? { REDIS_URL: options.redisUrl }),
      GATEWAY_CONFIG: options.configPath,
      GATEWAY_ROLE: options.role,
      PORT: String(options.port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      NODE_ENV: 'production',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const signals = Object.fromEntries(Object.keys(SIGNALS).map((k) => [k, 0])) as Record<Signal, number>;
  const keep = (chunk: Buffer) => {
    const text = chunk.toString();
    for (const [name, pattern] of Object.entries(SIGNALS))
      signals[name as Signal] += text.match(pattern)?.length ?? 0;
    output += text;
    if (output.length > TAIL_CHARS * 2) output = output.slice(-TAIL_CHARS);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const killNow = () => child.kill('SIGKILL');
  process.on('exit', killNow);
  child.once('exit', () => process.off('exit', killNow));
  await new Promise<void>((resolve, reject) => {
    // Generous: on a loaded two-core machine a start has been seen to take 25 s.
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${options.role} did not start in ${START_TIMEOUT_MS} ms:\n${output}`));
    }, START_TIMEOUT_MS);
    const check = () => {
      if (!output.includes('gateway ready')) return;
      clearTimeout(timer);
      child.stdout.off('data', check);
      resolve();
    };
    child.stdout.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${options.role} exited with ${code}:\n${output}`));
    });
  });
  return {
    role: options.role,
    pid: child.pid!,
    output: () => output,
    signals: () => ({ ...signals }),
    async crash() {
      child.kill('SIGKILL');
      await exited(child);
    },
    async stop() {
      child.kill('SIGTERM');
      const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited(child);
      clearTimeout(force);
    },
  };
}
