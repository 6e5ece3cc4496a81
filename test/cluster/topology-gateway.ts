import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { GatewayRole } from '../../src/config/env';

/**
 * One gateway process from the build, on a Redis topology given by its variables (REDIS_SENTINELS and
 * REDIS_SENTINEL_NAME, or REDIS_CLUSTER_NODES), as an operator starts it. Like test/support/crash-process.ts,
 * which takes a REDIS_URL only: the topology variables and REDIS_URL may not be set together, so none of the test
 * process's own REDIS_* variables is passed on.
 */
const MAIN = process.env.CRASH_GATEWAY_MAIN ?? join(__dirname, '..', '..', 'dist', 'src', 'main.js');
const TAIL_CHARS = 200_000;
const START_TIMEOUT_MS = 90_000;

export interface TopologyGatewayProcess {
  readonly role: GatewayRole;
  output(): string;
  stop(): Promise<void>;
}

const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) =>
    child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve()),
  );

export async function spawnTopologyGateway(options: {
  configPath: string;
  role: GatewayRole;
  /** 0 for workers; the api's port. */
  port: number;
  /** The topology: REDIS_SENTINELS + REDIS_SENTINEL_NAME, or REDIS_CLUSTER_NODES (and credentials). */
  redisEnv: Record<string, string>;
}): Promise<TopologyGatewayProcess> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` first (npm test does)`);
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('REDIS_')),
  );
  const child = spawn(process.execPath, [MAIN], {
    env: {
      ...inherited,
      ...options.redisEnv,
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
  const keep = (chunk: Buffer) => {
    output += chunk.toString();
    if (output.length > TAIL_CHARS * 2) output = output.slice(-TAIL_CHARS);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const killNow = () => child.kill('SIGKILL');
  process.on('exit', killNow);
  child.once('exit', () => process.off('exit', killNow));
  await new Promise<void>((resolve, reject) => {
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
    output: () => output,
    async stop() {
      child.kill('SIGTERM');
      const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited(child);
      clearTimeout(force);
    },
  };
}
