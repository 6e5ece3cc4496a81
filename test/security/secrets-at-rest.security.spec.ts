import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { api, clientFor, waitForTask, type Client } from '../support/api';
import { startExternalRedis, type ExternalRedis } from '../support/external-redis';
import { KEYS, sim, startTestGateway, type TestGateway } from '../support/gateway';
import { startRecordingRelay, type RecordingRelay } from '../support/recording-relay';
import { SecretScanner } from '../support/secret-scan';
import { dumpRedis } from '../support/security-redis';
import type { SimulatorHandle } from '../../sandbox/simulators/common/simulator';
import {
  startDcimanagerSimulator,
  type DcimanagerSimulatorHandle,
} from '../../sandbox/simulators/dcimanager/dcimanager.simulator';
import { keys as redisKeys } from '../../src/common/redis/keys';

// Issue 12, point 8: a secret a client hands over (the DCImanager root password of server.create) is kept out
// of what Redis persists: sealed (AES-256-GCM, key from the config) while its task runs, gone from the task
// once it ended, and refused with 400 when the gateway has no key to seal it with. Checked in the files Redis
// really writes (the append-only file, `appendfsync always`), not only in what Redis answers.

const DCI = 'rest-dcimanager';
const random = (bytes: number) => randomBytes(bytes).toString('base64url');

/** Every file of the Redis data folder (Redis 7 keeps the AOF as several files under `appendonlydir/`). */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** Where `secret` appears (raw, JSON, URL or base64 at any byte alignment) among the texts. */
function whereIs(secret: string, texts: Array<{ where: string; text: string | Buffer }>): string[] {
  const scanner = new SecretScanner();
  scanner.add('secret', secret);
  for (const { where, text } of texts) scanner.scan('scan', where, text);
  return [...new Set(scanner.findings.map((f) => `${f.where} (${f.form})`))];
}

describe('a client secret at rest (security, Redis with AOF)', () => {
  let redisServer: ExternalRedis;
  let redis: Redis;
  let simulator: DcimanagerSimulatorHandle;
  let relay: RecordingRelay;
  let gateway: TestGateway;
  let client: Client;
  const aofFiles = () =>
    filesUnder(redisServer.dir).map((path) => ({
      where: path.slice(redisServer.dir.length),
      text: readFileSync(path),
    }));
  const redisValues = async () =>
    (await dumpRedis(redis)).map((v) => ({ where: `${v.key} ${v.part}`, text: v.text }));

  const serverBody = async (name: string, providerOptions?: Record<string, unknown>) => {
    const [images, plans, locations] = await Promise.all([
      api.listProviderImages({ client, path: { name: DCI } }),
      api.listProviderPlans({ client, path: { name: DCI } }),
      api.listProviderLocations({ client, path: { name: DCI } }),
    ]);
    return {
      provider: DCI,
      name,
      imageId: images.data!.items.find((i) => i.name.startsWith('Debian'))!.id,
      planId: [...plans.data!.items].sort((a, b) => (b.available ?? 0) - (a.available ?? 0))[0].id,
      locationId: locations.data!.items[0].id,
      ...(providerOptions ? { providerOptions } : {}),
    };
  };

  beforeAll(async () => {
    redisServer = await startExternalRedis('always');
    redis = new Redis(redisServer.url);
    simulator = await startDcimanagerSimulator({ speed: 50 });
    // The gateway reaches DCImanager through a relay that keeps what it sent (the simulator does not keep
    // the password of an OS install).
    relay = await startRecordingRelay(simulator.url);
    gateway = await startTestGateway({
      connections: [{ name: DCI, kind: 'dcimanager' }],
      reuse: { simulators: new Map<string, SimulatorHandle>([[DCI, simulator]]) },
      redisUrl: redisServer.url,
      tuning: { endpoint: relay.url },
    });
    client = clientFor(gateway.baseUrl, KEYS.admin);
  });

  afterAll(async () => {
    redis?.disconnect();
    await gateway?.close();
    await relay?.close();
    await simulator?.stop();
    await redisServer?.stop();
  });

  it('should publish the root password as a write-only secret in the capability document', async () => {
    const { data } = await api.getProvider({ client, path: { name: DCI } });
    const create = data!.operations.find((o) => o.operation === 'server.create') as {
      providerOptionsSchema?: { properties?: Record<string, unknown> };
    };
    expect(create.providerOptionsSchema?.properties?.password).toMatchObject({
      type: 'string',
      writeOnly: true,
      format: 'password',
    });
  });

  it('should install with the root password while Redis, its AOF and the ended task never hold it in clear', async () => {
    const password = `Rest-${random(15)}`;
    const name = `rest-${random(6)
      .toLowerCase()
      .replace(/[^a-z0-9]/g, 'x')}`;
    // Paused, the simulated data centre holds the OS install where it is: the task stays open meanwhile.
    await sim(simulator, 'POST', '/config', { paused: true });
    let taskId: string;
    let taskKey: string;
    let sealed: string;
    try {
      const accepted = await api.createServer({ client, body: await serverBody(name, { password }) });
      expect(accepted.response.status).toBe(202);
      taskId = accepted.data!.id;
      taskKey = redisKeys.task(accepted.data!.provider, taskId);
      // Running: the task's record holds the password sealed, and nothing in Redis holds it in clear.
      const internal = JSON.parse((await redis.hget(taskKey, 'internal'))!) as {
        request: { input: { providerOptions: Record<string, unknown> } };
        secrets?: Array<{ path: string[]; sealed: string }>;
      };
      expect(internal.request.input.providerOptions).toEqual({});
      expect(internal.secrets).toEqual([
        { path: ['providerOptions', 'password'], sealed: expect.any(String) },
      ]);
      sealed = internal.secrets![0].sealed;
      expect(whereIs(password, await redisValues())).toEqual([]);
    } finally {
      await sim(simulator, 'POST', '/config', { paused: false });
    }

    const done = await waitForTask(client, taskId, 90);
    expect({ status: done.status, error: done.error }).toEqual({ status: 'succeeded', error: null });
    expect(done.result).toMatchObject({ name, state: 'running' });
    // The backend was asked to install with the password itself (the adapter saw the plain value).
    const installs = relay.sent().filter((text) => /POST \S*\/operation_os /.test(text));
    expect(installs.some((text) => text.includes(JSON.stringify({ password }).slice(1, -1)))).toBe(true);

    // Ended: the task keeps neither the password nor its sealed form; nothing else in Redis does.
    expect(Object.keys(await redis.hgetall(taskKey!)).sort()).toEqual(['packed']);
    const values = await redisValues();
    expect(whereIs(password, values)).toEqual([]);
    expect(values.filter((v) => String(v.text).includes(sealed))).toEqual([]);

    // What Redis wrote to disk: every command since it started (13 saves of the task among them).
    const files = aofFiles();
    expect(files.some((f) => f.where.includes('appendonlydir'))).toBe(true);
    expect(whereIs(password, files)).toEqual([]);
    expect(whereIs(simulator.password, files)).toEqual([]);
    // Controls: the scan reads the AOF in clear (the server's name is there), and the task's record was
    // written to it while it ran, sealed.
    expect(files.some((f) => f.text.includes(name))).toBe(true);
    expect(files.some((f) => f.text.includes(sealed))).toBe(true);
  });

  it('should refuse a secret with 400 before any task when the gateway has no key to seal it', async () => {
    const keyless = await startTestGateway({
      connections: [{ name: DCI, kind: 'dcimanager' }],
      reuse: gateway,
      redisUrl: redisServer.url,
      role: 'api',
      tuning: { endpoint: relay.url },
      tasks: { secretKey: undefined },
    });
    try {
      const keylessClient = clientFor(keyless.baseUrl, KEYS.admin);
      const password = `NoKey-${random(15)}`;
      const before = await redis.keys('gw:{*}:task:*');
      const idempotencyKey = `no-key-${random(8)}`;
      const refused = await api.createServer({
        client: keylessClient,
        body: await serverBody('rest-no-key', { password }),
        headers: { 'Idempotency-Key': idempotencyKey },
      });
      expect(refused.response.status).toBe(400);
      expect(refused.error).toMatchObject({
        code: 'validation_failed',
        detail: expect.stringContaining('tasks.secretKey'),
        errors: [{ field: 'providerOptions.password', message: expect.stringContaining('tasks.secretKey') }],
      });
      expect(JSON.stringify(refused.error)).not.toContain(password);
      expect(await redis.keys('gw:{*}:task:*')).toEqual(before);
      expect(await redis.keys('gw:{*}:idem:*')).toEqual([]);
      expect(whereIs(password, aofFiles())).toEqual([]);
    } finally {
      await keyless.close();
    }
  });
});
