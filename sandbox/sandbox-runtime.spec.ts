import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import pino from 'pino';
import { readEnv } from '../src/config/env';
import { connectionKindSchemas } from '../src/providers/registry/provider-kinds';
import { startSandbox, type SandboxConnection, type SandboxRuntime } from './sandbox-runtime';

// The sandbox with a given REDIS_URL: no Redis is started (and none is needed to build the config).
const kinds = connectionKindSchemas();
const logger = pino({ level: 'silent' });

describe('startSandbox', () => {
  let dir: string;
  const running: SandboxRuntime[] = [];

  const start = async (variables: Record<string, string> = {}) => {
    const env = readEnv({
      SANDBOX_DIR: dir,
      REDIS_URL: 'redis://127.0.0.1:1',
      SANDBOX_SPEED: '50',
      ...variables,
    });
    const sandbox = await startSandbox(env, logger, kinds);
    running.push(sandbox);
    return sandbox;
  };
  const stopAll = async () => {
    for (const sandbox of running.splice(0)) await sandbox.stop();
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cloudmux-sandbox-spec-'));
  });

  afterEach(async () => {
    await stopAll();
    rmSync(dir, { recursive: true, force: true });
  });

  const mode = (path: string) => statSync(path).mode & 0o777;

  it("should write every simulator's endpoint and credentials to providers.json, readable by its owner only", async () => {
    const sandbox = await start();
    const path = join(dir, 'providers.json');
    expect(sandbox.providersFile).toBe(path);
    expect(mode(path)).toBe(0o600);
    const written = JSON.parse(readFileSync(path, 'utf8')) as SandboxConnection[];
    expect(written.map((c) => c.kind).sort()).toEqual(['cloudmc', 'cloudsigma', 'dcimanager', 'imco']);
    expect(written).toEqual(sandbox.connections);
    for (const connection of written) {
      const configured = sandbox.config.providers.find((p) => p.name === connection.name)!;
      const handle = sandbox.simulators.find((s) => s.kind === connection.kind)!;
      expect(configured).toBeDefined();
      expect(connection.endpoint).toBe(handle.connection.endpoint);
      expect(connection.control).toBe(`${handle.url}/__sim`);
      const { kind: _kind, endpoint: _endpoint, ...credentials } = handle.connection;
      expect(connection.credentials).toEqual(credentials);
    }
    const byKind = (kind: string) => written.find((c) => (c.kind as string) === kind)!.credentials;
    expect(byKind('cloudmc')).toEqual(expect.objectContaining({ apiKey: expect.any(String) }));
    expect(byKind('cloudsigma')).toEqual(
      expect.objectContaining({ email: expect.any(String), password: expect.any(String) }),
    );
    expect(byKind('dcimanager')).toEqual(
      expect.objectContaining({ email: expect.any(String), password: expect.any(String) }),
    );
    const tls = byKind('imco').tls as Record<string, string>;
    for (const file of [tls.certFile, tls.keyFile, tls.caFile]) {
      expect(isAbsolute(file)).toBe(true);
      expect(existsSync(file)).toBe(true);
    }
  });

  it('should keep its API key across restarts, in api-key', async () => {
    const first = await start();
    expect(readFileSync(join(dir, 'api-key'), 'utf8').trim()).toBe(first.apiKey);
    expect(mode(join(dir, 'api-key'))).toBe(0o600);
    await stopAll();
    const second = await start();
    expect(second.apiKey).toBe(first.apiKey);
  });

  it('should keep the key of task secrets across restarts, in tasks-secret-key, readable by its owner only', async () => {
    const first = await start();
    const path = join(dir, 'tasks-secret-key');
    expect(mode(path)).toBe(0o600);
    const kept = readFileSync(path, 'utf8').trim();
    expect(Buffer.from(kept, 'base64')).toHaveLength(32);
    expect(first.config.tasks.secretKey).toBe(kept);
    await stopAll();
    expect((await start()).config.tasks.secretKey).toBe(kept);
  });

  it('should let GATEWAY_SANDBOX_KEY win over the kept key, and replace a kept key that is not valid', async () => {
    writeFileSync(join(dir, 'api-key'), 'sbx_kept-key-from-last-time-0123456789\n');
    const given = await start({ GATEWAY_SANDBOX_KEY: 'sbx_given-by-the-environment-0123' });
    expect(given.apiKey).toBe('sbx_given-by-the-environment-0123');
    await stopAll();
    writeFileSync(join(dir, 'api-key'), 'short\n');
    const replaced = await start();
    expect(replaced.apiKey).toMatch(/^sbx_[A-Za-z0-9_-]{32}$/);
  });
});
