import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

const CANDIDATES = [
  '/usr/bin/redis-server',
  '/usr/sbin/redis-server',
  '/usr/local/bin/redis-server',
  '/opt/homebrew/bin/redis-server',
];

export class RedisMissingError extends Error {
  // main.ts knows this error by name: it does not import the sandbox unless it runs one.
  override readonly name = 'RedisMissingError';
}

function onPath(searchPath: string, candidates: readonly string[]): string | null {
  for (const dir of searchPath.split(':')) {
    const candidate = join(dir, 'redis-server');
    if (dir && existsSync(candidate)) return candidate;
  }
  return candidates.find((path) => existsSync(path)) ?? null;
}

/** Finds `redis-server`; on Debian as root it may install it with apt, saying so first. */
export function findRedisBinary(options: {
  install: boolean;
  searchPath: string;
  log: (line: string) => void;
  /** Where to look besides PATH. */
  candidates?: readonly string[];
}): string {
  const candidates = options.candidates ?? CANDIDATES;
  const found = onPath(options.searchPath, candidates);
  if (found) return found;
  const debianRoot =
    process.getuid?.() === 0 && existsSync('/etc/debian_version') && existsSync('/usr/bin/apt-get');
  if (options.install && debianRoot) {
    options.log('redis-server is not installed: installing it with apt-get (Debian package redis-server)...');
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
    execFileSync(
      'env',
      ['DEBIAN_FRONTEND=noninteractive', 'apt-get', 'install', '-y', '-qq', 'redis-server'],
      { stdio: 'inherit' },
    );
    const installed = onPath(options.searchPath, candidates);
    if (installed) return installed;
  }
  throw new RedisMissingError(
    [
      'The sandbox needs Redis and redis-server was not found.',
      '  Install it:   sudo apt-get install redis-server   (Debian/Ubuntu)   or   brew install redis   (macOS)',
      '  Or point the gateway at a running Redis:   REDIS_URL=redis://localhost:6379 npm start',
    ].join('\n'),
  );
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function isRedisProcess(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('redis-server');
  } catch {
    return false;
  }
}

export interface EmbeddedRedis {
  url: string;
  stop(): Promise<void>;
}

/**
 * A private `redis-server` child on a free loopback port, data under `dir`, no persistence (the sandbox's
 * simulators forget their state on restart too). It runs in its own process group so that Ctrl-C reaches
 * the gateway first: the gateway closes its workers, then stops Redis. A Redis orphaned by a kill -9 of an
 * earlier run is stopped at the next start (pid file).
 */
export async function startEmbeddedRedis(options: { dir: string; binary: string }): Promise<EmbeddedRedis> {
  mkdirSync(options.dir, { recursive: true });
  const pidFile = join(options.dir, 'redis.pid');
  if (existsSync(pidFile)) {
    const stale = Number(readFileSync(pidFile, 'utf8'));
    if (stale > 0 && isRedisProcess(stale)) process.kill(stale, 'SIGKILL');
  }

  let lastError: Error | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const child = spawn(
      options.binary,
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        options.dir,
        '--protected-mode',
        'yes',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], detached: true },
    );
    try {
      await waitReady(child);
    } catch (error) {
      lastError = error as Error;
      child.kill('SIGKILL');
      continue; // most likely the port was taken between the probe and the bind
    }
    writeFileSync(pidFile, String(child.pid));
    const killNow = () => child.kill('SIGKILL');
    process.on('exit', killNow);
    return {
      url: `redis://127.0.0.1:${port}`,
      stop: () =>
        new Promise<void>((resolve) => {
          process.off('exit', killNow);
          if (child.exitCode !== null) return resolve();
          const force = setTimeout(() => child.kill('SIGKILL'), 3000);
          child.once('exit', () => {
            clearTimeout(force);
            resolve();
          });
          child.kill('SIGTERM');
        }),
    };
  }
  throw lastError ?? new Error('redis-server did not start');
}

function waitReady(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(
      () => reject(new Error(`redis-server did not become ready: ${output.slice(-500)}`)),
      10_000,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (/ready to accept connections/i.test(output)) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        child.stderr?.resume();
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with code ${code}: ${output.slice(-500)}`));
    });
  });
}
