import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findRedisBinary } from '../../sandbox/embedded-redis';

/**
 * A Redis of the test's own, as an operator runs it next to the gateway: append-only file on, so that a
 * restart (even after kill -9) brings the data back. The crash suites use `appendfsync always`: Redis then
 * fsyncs every write before it answers, so whatever the gateway was told is stored survives a kill -9
 * (with `everysec` up to a second of answered writes may be lost, and no gateway could promise more).
 */
export interface ExternalRedis {
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  /** SIGKILL: no shutdown save, no goodbye to clients; only what the AOF already holds survives. */
  crash(): Promise<void>;
  /** Starts again on the same port and directory; resolves once the AOF is loaded and Redis serves. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export type AppendFsync = 'always' | 'everysec';

/** A free loopback port (probed, then released for the caller to bind). */
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

function spawnRedis(binary: string, port: number, dir: string, fsync: AppendFsync): ChildProcess {
  return spawn(
    binary,
    [
      ...['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--protected-mode', 'yes'],
      ...['--save', '', '--appendonly', 'yes', '--appendfsync', fsync],
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
}

function ready(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(
      () => reject(new Error(`redis-server not ready: ${output.slice(-500)}`)),
      15_000,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (/ready to accept connections/i.test(output)) {
        clearTimeout(timer);
        // Keep draining the pipes without keeping the text: a full pipe would block Redis's logging.
        child.stdout?.off('data', onData).resume();
        child.stderr?.off('data', onData).resume();
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with ${code}: ${output.slice(-500)}`));
    });
  });
}

const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) =>
    child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve()),
  );

/** Spawns redis-server on a free loopback port with its data in a fresh temp directory. */
export async function startExternalRedis(fsync: AppendFsync = 'always'): Promise<ExternalRedis> {
  const binary = findRedisBinary({
    install: false,
    searchPath: process.env.PATH ?? '',
    log: () => undefined,
  });
  const dir = mkdtempSync(join(tmpdir(), 'cloudmux-crash-redis-'));
  const port = await freePort();
  let child = spawnRedis(binary, port, dir, fsync);
  const killNow = () => child.kill('SIGKILL');
  process.on('exit', killNow);
  await ready(child);
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    async crash() {
      child.kill('SIGKILL');
      await exited(child);
    },
    async restart() {
      // The port was just freed by the kill; a client reconnecting in between only gets refused.
      child = spawnRedis(binary, port, dir, fsync);
      await ready(child);
    },
    async stop() {
      process.off('exit', killNow);
      child.kill('SIGKILL');
      await exited(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
