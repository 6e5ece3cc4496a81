import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { GatewayRole } from '../../src/config/env';

const ROOT = join(__dirname, '..', '..');
const START_TIMEOUT_MS = 90_000;

/**
 * Loads the TypeScript sources the way the jest projects do (@swc/core, legacy decorators with metadata,
 * CommonJS; `./x.js` specifiers to `./x.ts`), then runs `src/main.ts`: a gateway process of the code as it is
 * now, without `npm run build` (dist/ may be older than the sources).
 */
const SOURCE_RUNNER = `
const Module = require('node:module');
const fs = require('node:fs');
const path = require('node:path');
const { transformSync } = require('@swc/core');
const options = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    target: 'es2022',
    keepClassNames: true,
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};
Module._extensions['.ts'] = (module, filename) => {
  const { code } = transformSync(fs.readFileSync(filename, 'utf8'), { ...options, filename });
  module._compile(code, filename);
};
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, parent, ...rest) {
  if (parent && parent.filename && parent.filename.endsWith('.ts') && /^\\.{1,2}\\//.test(request) && request.endsWith('.js')) {
    const ts = path.resolve(path.dirname(parent.filename), request.slice(0, -3) + '.ts');
    if (fs.existsSync(ts)) return ts;
  }
  return resolveFilename.call(this, request, parent, ...rest);
};
require(process.env.SOURCE_GATEWAY_MAIN);
`;

export interface SourceGateway {
  baseUrl: string;
  process: ChildProcess;
  output(): string;
  /** Sends a signal and resolves with the exit code (null when a signal ended it) once the process is gone. */
  signal(signal: NodeJS.Signals): Promise<number | null>;
  /** SIGKILL, if it still runs. */
  kill(): Promise<void>;
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

/** A gateway process from the sources (`src/main.ts`), as an operator starts one, on a loopback port of its own. */
export async function startSourceGateway(options: {
  configPath: string;
  redisUrl: string;
  role: GatewayRole;
}): Promise<SourceGateway> {
  const port = await freePort();
  const child = spawn(process.execPath, ['-e', SOURCE_RUNNER], {
    cwd: ROOT,
    env: {
      ...process.env,
      SOURCE_GATEWAY_MAIN: join(ROOT, 'src', 'main.ts'),
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
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    process: child,
    output: () => output,
    async signal(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exit;
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exit;
    },
  };
}
