import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GatewayRole } from '../../src/config/env';

const MAIN = join(__dirname, '..', '..', 'dist', 'src', 'main.js');

export interface ChildGateway {
  process: ChildProcess;
  output(): string;
  /** SIGKILL: the process dies at once, mid-step or not. */
  crash(): Promise<void>;
  stop(): Promise<void>;
}

/** Writes a config file (JSON is YAML) for child gateways that share the test's Redis and simulators. */
export function writeConfig(document: Record<string, unknown>): string {
  const path = join(mkdtempSync(join(tmpdir(), 'cloudmux-child-')), 'gateway.yaml');
  writeFileSync(path, JSON.stringify(document, null, 2));
  return path;
}

/** A gateway process started from the build, as an operator runs it (`node dist/src/main.js`). */
export async function startChildGateway(options: {
  configPath: string;
  redisUrl: string;
  role: GatewayRole;
}): Promise<ChildGateway> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` first (npm test does)`);
  const child = spawn(process.execPath, [MAIN], {
    env: {
      ...process.env,
      GATEWAY_CONFIG: options.configPath,
      REDIS_URL: options.redisUrl,
      GATEWAY_ROLE: options.role,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      NODE_ENV: 'production',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not start:\n${output}`)), 30_000);
    const check = () => {
      if (output.includes('gateway ready')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited with ${code}:\n${output}`));
    });
  });
  const exited = () =>
    new Promise<void>((resolve) =>
      child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve()),
    );
  return {
    process: child,
    output: () => output,
    async crash() {
      child.kill('SIGKILL');
      await exited();
    },
    async stop() {
      child.kill('SIGTERM');
      await exited();
    },
  };
}
