import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GatewayRole } from '../../src/config/env';

const MAIN = join(__dirname, '..', '..', 'dist', 'src', 'main.js');
const START_TIMEOUT_MS = 30_000;

export interface ChildGateway {
  /** Where it serves the API (roles api and all). */
  baseUrl: string;
  process: ChildProcess;
  output(): string;
  /** SIGKILL: the process dies at once, mid-step or not. */
  crash(): Promise<void>;
  stop(): Promise<void>;
  /** Sends a signal and resolves with the exit code (null when a signal ended it) once the process is gone. */
  signal(signal: NodeJS.Signals): Promise<number | null>;
}

/** Writes a config file (JSON is YAML) for child gateways that share the test's Redis and simulators. */
export function writeConfig(document: Record<string, unknown>): string {
  const path = join(mkdtempSync(join(tmpdir(), 'cloudmux-child-')), 'gateway.yaml');
  writeFileSync(path, JSON.stringify(document, null, 2));
  return path;
}

/** A free loopback port (bound once and let go). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen({ host: '127.0.0.1', port: 0 }, () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/** A gateway process started from the build, as an operator runs it (`node dist/src/main.js`). */
export async function startChildGateway(options: {
  configPath: string;
  redisUrl: string;
  role: GatewayRole;
}): Promise<ChildGateway> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` first (npm test does)`);
  const port = await freePort();
  const child = spawn(process.execPath, [MAIN], {
    env: {
      ...process.env,
      GATEWAY_CONFIG: options.configPath,
      REDIS_URL: options.redisUrl,
      GATEWAY_ROLE: options.role,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      NODE_ENV: 'production',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // A test that fails before it stops its child must not leave it running.
  const killNow = () => child.kill('SIGKILL');
  process.on('exit', killNow);
  void exit.then(() => process.off('exit', killNow));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the gateway did not start in ${START_TIMEOUT_MS} ms:\n${output}`));
    }, START_TIMEOUT_MS);
    const check = () => {
      if (!output.includes('gateway ready')) return;
      clearTimeout(timer);
      child.stdout.off('data', check);
      resolve();
    };
    child.stdout.on('data', check);
    void exit.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the gateway exited with ${code}:\n${output}`));
    });
  });
  const running = () => child.exitCode === null && child.signalCode === null;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    process: child,
    output: () => output,
    async crash() {
      if (running()) child.kill('SIGKILL');
      await exit;
    },
    async stop() {
      if (running()) child.kill('SIGTERM');
      await exit;
    },
    async signal(signal) {
      if (running()) child.kill(signal);
      return exit;
    },
  };
}
