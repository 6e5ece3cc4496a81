import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { Task } from '../generated/client';
import { api, succeeded, waitForTask, type Client } from '../support/api';
import { sim } from '../support/gateway';
import { SecretScanner, type Finding } from '../support/secret-scan';
import {
  CONNECTIONS,
  KINDS,
  NAMES,
  startSecurityGateway,
  type SecurityGateway,
} from '../support/security-gateway';
import { ResponseRecorder } from '../support/security-http';
import { dumpRedis, type RedisValue } from '../support/security-redis';
import {
  backendFailure,
  badRequests,
  lifecycle,
  refusedCredentials,
  serverBody,
  takesUserData,
  type ClientSecrets,
} from '../support/security-workload';
import { openEvents, type SseStream } from '../support/sse';
import { FULL, sized } from '../support/suite-size';
import { keys as redisKeys } from '../../src/common/redis/keys';
import { operationsQueue } from '../../src/tasks/queue.constants';

// Every secret the gateway holds or is handed, searched (raw, JSON, URL and base64 forms) in everything that
// leaves it after a realistic workload on all four backends: answers, Redis, logs, /metrics, documents, events.

jest.setTimeout(sized(120_000, 600_000));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const random = (bytes: number) => randomBytes(bytes).toString('base64url');
const basicOf = (email: string, password: string) => Buffer.from(`${email}:${password}`).toString('base64');
const group = (finding: Finding) => finding.secret.split(/[/#]/)[0];

describe('no secret leaves the gateway (security)', () => {
  const recorder = new ResponseRecorder();
  const scanner = new SecretScanner();
  const clientSecrets: ClientSecrets = {
    rootPassword: `Root-${random(12)}`,
    vncPassword: random(6),
    // Cloud-init text with a password in it, as users send it (docs/design.md#user-data).
    userData: `#cloud-config\nchpasswd:\n  list: |\n    root:Ud-${random(12)}\n`,
  };
  const canary = `sec-canary-${random(9)}`;
  const streams: SseStream[] = [];
  const snapshots: RedisValue[][] = [];
  const eventTokens: string[] = [];
  const figures: Record<string, number | string> = {};
  /** Create tasks that carried user-data (the lifecycle's, where the connection takes it). */
  let userDataCreates: Task[] = [];
  let gw: SecurityGateway;
  let redis: Redis;
  let admin: Client;
  let dciSessions: jest.SpyInstance<{ id: number; token: string }>;
  let cloudmcResults: jest.SpyInstance;
  let lifecycles: Task[] = [];
  let failures: Task[] = [];
  let refusals: Array<{ codes: string[]; task: Task; recovered: string }> = [];
  let badStatuses: number[] = [];
  /** Running tasks' records seen holding client secrets sealed (the only form a task keeps them in). */
  const heldBy = new Set<string>();
  let echoReport = '';

  const tenantClient = (kind: (typeof KINDS)[number]) =>
    recorder.client(gw.baseUrl, gw.keys.tenant[CONNECTIONS[kind]]);
  const issueToken = async (client: Client) => {
    const token = (await api.createEventToken({ client })).data!.token;
    eventTokens.push(token);
    return token;
  };

  /** Every secret known once the workload ran (sessions and VM passwords are minted along the way). */
  function collectSecrets(): void {
    const { cloudmc, cloudsigma, dcimanager, imco } = gw.sims;
    scanner.add('provider/cloudmc-api-key', cloudmc.apiKey);
    scanner.add('provider/cloudsigma-email', cloudsigma.email);
    scanner.add('provider/cloudsigma-password', cloudsigma.password);
    scanner.add('provider/cloudsigma-basic', basicOf(cloudsigma.email, cloudsigma.password));
    scanner.add('provider/dcimanager-password', dcimanager.password);
    scanner.add('gateway/tasks-secret-key', gw.taskSecretKey);
    dciSessions.mock.results.forEach((r, i) =>
      scanner.add(`provider/dcimanager-session#${i + 1}`, (r.value as { token: string }).token),
    );
    scanner.addPem('provider/imco-client-key', imco.pki.client.keyPem);
    scanner.addPem('provider/imco-client-cert', imco.pki.client.certPem);
    scanner.add('api-key/admin', gw.keys.admin);
    scanner.add('api-key/reader', gw.keys.reader);
    for (const name of NAMES) {
      scanner.add(`api-key/tenant-${name}`, gw.keys.tenant[name]);
      scanner.add(`api-key/reader-${name}`, gw.keys.tenantReader[name]);
    }
    scanner.add('client/root-password', clientSecrets.rootPassword);
    scanner.add('client/vnc-password', clientSecrets.vncPassword);
    scanner.add('client/user-data', clientSecrets.userData);
    const vmPasswords = cloudmcResults.mock.calls
      .map(([, result]) => (result as { password?: string } | undefined)?.password)
      .filter((password): password is string => typeof password === 'string');
    vmPasswords.forEach((password, i) => scanner.add(`backend/cloudmc-vm-password#${i + 1}`, password));
    eventTokens.forEach((token, i) => scanner.add(`event-token#${i + 1}`, token));
    scanner.addControl('canary', canary);
    figures.dciSessions = dciSessions.mock.results.length;
    figures.cloudmcVmPasswords = vmPasswords.length;
    figures.eventTokens = eventTokens.length;
    figures.userDataCreates = userDataCreates.length;
  }

  function scanEverything(): void {
    for (const r of recorder.responses) {
      const path = new URL(r.url).pathname;
      const source =
        path === '/metrics' ? 'metrics' : /^\/(openapi|docs)/.test(path) ? 'documents' : 'responses';
      // The answer that issues an event token carries it, by definition.
      const issuing = path === '/v1/events/tokens';
      scanner.scan(
        source,
        `${r.method} ${path} ${r.status}`,
        `${r.headers}\n\n${r.body}`,
        (secret) => issuing && secret.startsWith('event-token'),
      );
    }
    for (const snapshot of snapshots)
      for (const value of snapshot) {
        // A running task holds its client secrets sealed (tasks.secretKey), never in clear: no exception here.
        if (
          /^gw:\{[^}]+\}:task:/.test(value.key) &&
          value.part === 'internal' &&
          value.text.includes('"secrets":[')
        )
          heldBy.add(value.key);
        scanner.scan('redis', `${value.key} ${value.part}`, value.text);
      }
    gw.logLines.forEach((line, i) => scanner.scan('logs', `line ${i + 1}: ${line.slice(0, 120)}`, line));
    streams.forEach((s, n) =>
      s.events.forEach((e) =>
        scanner.scan('events', `stream ${n + 1} ${e.id}`, `${e.id} ${e.event} ${e.data}`),
      ),
    );
  }

  /** The day's work on all four backends, with Redis copied every 300 ms meanwhile (jobs and open tasks). */
  async function runWorkload(): Promise<void> {
    let running = true;
    const snapshotting = (async () => {
      for (let i = 0; running && i < sized(8, 60); i++) {
        snapshots.push(await dumpRedis(redis));
        await sleep(300);
      }
    })();
    try {
      const rounds = await Promise.all(
        KINDS.map(async (kind) => {
          const tasks: Task[] = [];
          for (let round = 0; round < sized(1, 4); round++)
            tasks.push(
              ...(await lifecycle(tenantClient(kind), kind, CONNECTIONS[kind], clientSecrets, FULL)),
            );
          return tasks;
        }),
      );
      lifecycles = rounds.flat();
      const taking = await Promise.all(KINDS.map((kind) => takesUserData(admin, CONNECTIONS[kind])));
      userDataCreates = lifecycles.filter(
        (t) => t.operation === 'server.create' && taking[NAMES.indexOf(t.provider as never)],
      );
      failures = await Promise.all(
        KINDS.map((kind) => backendFailure(gw, tenantClient(kind), kind, CONNECTIONS[kind], clientSecrets)),
      );
      refusals = await Promise.all(
        KINDS.map((kind) => refusedCredentials(gw, tenantClient(kind), kind, CONNECTIONS[kind])),
      );
      badStatuses = await badRequests(
        gw.baseUrl,
        recorder.fetch,
        {
          admin: gw.keys.admin,
          cloudmcApiKey: gw.sims.cloudmc.apiKey,
          eventToken: await issueToken(tenantClient('imco')),
          basicHeader: `Basic ${basicOf(gw.sims.cloudsigma.email, gw.sims.cloudsigma.password)}`,
        },
        CONNECTIONS,
        clientSecrets,
      );
      // A control: a harmless value that must be found in answers, Redis and logs, so each scan can see.
      await api.listServers({ client: admin, query: { name: canary } });
      await succeeded(
        admin,
        (await api.createNetwork({ client: admin, body: { provider: CONNECTIONS.cloudmc, name: canary } }))
          .data,
      );
    } finally {
      running = false;
      await snapshotting;
    }
  }

  beforeAll(async () => {
    gw = await startSecurityGateway({
      beforeGateway: (sims) => {
        dciSessions = jest.spyOn(sims.dcimanager.state.sessions, 'create');
        cloudmcResults = jest.spyOn(sims.cloudmc.state.tasks, 'succeed');
      },
    });
    redis = new Redis(gw.redisUrl);
    admin = recorder.client(gw.baseUrl, gw.keys.admin);

    streams.push(await openEvents(`${gw.baseUrl}/v1/events`, { Authorization: `Bearer ${gw.keys.admin}` }));
    for (const kind of KINDS)
      streams.push(
        await openEvents(`${gw.baseUrl}/v1/events?access_token=${await issueToken(tenantClient(kind))}`),
      );

    await runWorkload();

    for (const path of [
      '/metrics',
      '/openapi.json',
      '/openapi.yaml',
      '/docs',
      '/health/live',
      '/health/ready',
    ])
      await recorder.fetch(`${gw.baseUrl}${path}`);
    // With a key too: /metrics takes one that sees every connection, readiness then lists connections.
    for (const path of ['/metrics', '/health/ready'])
      await recorder.fetch(`${gw.baseUrl}${path}`, { headers: { Authorization: `Bearer ${gw.keys.admin}` } });
    await api.listProviders({ client: admin });
    for (const name of NAMES) await api.getProvider({ client: admin, path: { name } });
    snapshots.push(await dumpRedis(redis));
    streams.forEach((s) => s.close());

    collectSecrets();
    scanEverything();
  });

  afterAll(async () => {
    streams.forEach((s) => s.close());
    redis?.disconnect();
    await gw?.close();
    const keys = new Set(snapshots.flatMap((snapshot) => snapshot.map((v) => v.key)));
    const jobs = [...keys].filter((key) => /^gw:bull:ops-\{[^}]+\}:[0-9A-Z]{26}$/.test(key));
    Object.assign(figures, {
      size: FULL ? 'full' : 'short',
      redisSnapshots: snapshots.length,
      redisKeys: keys.size,
      bullJobsSeen: jobs.length,
      logLines: gw?.logLines.length ?? 0,
      sseEvents: streams.reduce((n, s) => n + s.events.length, 0),
      responses: recorder.responses.length,
      lifecycleTasks: lifecycles.length,
      runningTasksWithSealedSecrets: heldBy.size,
    });
    // A folder of this run's own: it stays, for the paths printed below.
    const dir = mkdtempSync(join(tmpdir(), 'cloudmux-security-secrets-'));
    const path = join(dir, 'secrets.json');
    const logs = join(dir, 'secrets.log');
    writeFileSync(logs, gw?.logLines.join('') ?? '');
    const leaks = scanner.leaks();
    writeFileSync(path, JSON.stringify({ figures, tallies: scanner.tallies(), leaks, logs }, null, 2));
    console.log(
      `${scanner.report('secret scan')}\n  figures: ${JSON.stringify(figures)}\n  written to ${path}\n${echoReport}`,
    );
  });

  it('should have walked every path a secret could take, and be able to see in every source', () => {
    expect(lifecycles.every((t) => t.status === 'succeeded')).toBe(true);
    expect(failures.map((t) => t.status)).toEqual(KINDS.map(() => 'failed'));
    // Refused credentials surface as the gateway's own code on every HTTP-authenticated backend.
    KINDS.forEach((kind, i) => {
      if (kind !== 'imco')
        expect({ kind, codes: refusals[i].codes }).toEqual({
          kind,
          codes: expect.arrayContaining(['provider_auth_failed']),
        });
      expect({ kind, status: refusals[i].task.status }).toEqual({ kind, status: 'failed' });
    });
    expect(refusals.map((r) => r.recovered)).toEqual(KINDS.map(() => 'ok'));
    // Refused requests: 4xx, or 501 for what a connection cannot take (user-data on DCImanager).
    expect(badStatuses.every((status) => (status >= 400 && status < 500) || status === 501)).toBe(true);
    expect(badStatuses).toContain(501);
    expect(figures.dciSessions).toBeGreaterThanOrEqual(2); // one before the refusal, one after it
    expect(figures.cloudmcVmPasswords).toBeGreaterThanOrEqual(1);
    // Servers were made with user-data where a connection takes it (CloudMC does).
    expect(figures.userDataCreates).toBeGreaterThanOrEqual(1);
    expect(scanner.controlSources('canary')).toEqual(expect.arrayContaining(['logs', 'redis', 'responses']));
    // Every Redis value could be read: a new packing the scan does not know would make it blind, not clean.
    const opaque = snapshots.flatMap((snapshot) =>
      snapshot.filter((v) => v.opaque).map((v) => `${v.key} ${v.part}`),
    );
    expect([...new Set(opaque)]).toEqual([]);
    const sources = Object.fromEntries(scanner.tallies().map((t) => [t.source, t.items > 0]));
    expect(sources).toEqual({
      responses: true,
      metrics: true,
      documents: true,
      redis: true,
      logs: true,
      events: true,
    });
  });

  it('should keep provider credentials, sessions, private keys, API keys and the task secret key out of every source', () => {
    const leaks = scanner.leaks().filter((f) => ['provider', 'api-key', 'gateway'].includes(group(f)));
    expect(leaks).toEqual([]);
  });

  it('should keep passwords given by clients or made by backends out of every source, running tasks included', () => {
    const leaks = scanner.leaks().filter((f) => ['client', 'backend'].includes(group(f)));
    expect(leaks).toEqual([]);
  });

  it('should hold a client’s root password only sealed in its own running task, and drop even that when the task ends', async () => {
    const client = tenantClient('dcimanager');
    const rootPassword = `Held-${random(12)}`;
    const where = async (values: RedisValue[]) => {
      const probe = new SecretScanner();
      probe.add('client/root-password', rootPassword);
      for (const value of values) probe.scan('redis', `${value.key} ${value.part}`, value.text);
      return [...new Set(probe.findings.map((f) => f.where))];
    };
    // Paused, the simulated data centre holds the OS install where it is: the task stays open.
    await sim(gw.sims.dcimanager, 'POST', '/config', { paused: true });
    let task: Task;
    let sealed: string[];
    try {
      const body = await serverBody(
        client,
        'dcimanager',
        CONNECTIONS.dcimanager,
        { ...clientSecrets, rootPassword },
        'sec-held',
      );
      task = (await api.createServer({ client, body })).data!;
      const open = await dumpRedis(redis);
      expect(await where(open)).toEqual([]);
      const record = open.find(
        (v) => v.key === redisKeys.task(task.provider, task.id) && v.part === 'internal',
      );
      const held = JSON.parse(record!.text) as { secrets?: Array<{ path: string[]; sealed: string }> };
      expect(held.secrets?.map((secret) => secret.path)).toEqual([['providerOptions', 'password']]);
      sealed = held.secrets!.map((secret) => secret.sealed);
      // The job that runs it carries the task id alone (ADR 0001), never the request.
      const job = open.find(
        (v) => v.key === `gw:bull:${operationsQueue(task.provider)}:${task.id}` && v.part === 'data',
      );
      expect(JSON.parse(job!.text)).toEqual({ taskId: task.id });
    } finally {
      await sim(gw.sims.dcimanager, 'POST', '/config', { paused: false });
    }
    expect((await waitForTask(client, task.id, 60)).status).toBe('succeeded');
    const ended = await dumpRedis(redis);
    expect(await where(ended)).toEqual([]);
    expect(ended.filter((v) => sealed.some((text) => v.text.includes(text))).map((v) => v.key)).toEqual([]);
  });

  it('should hold user-data only sealed in its own running task, and drop even that when the task ends', async () => {
    const client = tenantClient('cloudmc');
    const userData = `#cloud-config\nwrite_files:\n  - content: Held-${random(12)}\n`;
    const where = async (values: RedisValue[]) => {
      const probe = new SecretScanner();
      probe.add('client/user-data', userData);
      for (const value of values) probe.scan('redis', `${value.key} ${value.part}`, value.text);
      return [...new Set(probe.findings.map((f) => f.where))];
    };
    // CloudMC holds the instance create for a while: the task stays open meanwhile.
    await sim(gw.sims.cloudmc, 'POST', '/faults', {
      action: 'delay',
      method: 'POST',
      path: 'instances$',
      delayMs: 2000,
      count: 1,
    });
    const body = await serverBody(
      client,
      'cloudmc',
      CONNECTIONS.cloudmc,
      { ...clientSecrets, userData },
      'sec-ud',
    );
    expect(body).toMatchObject({ userData });
    const task = (await api.createServer({ client, body })).data!;
    const open = await dumpRedis(redis);
    expect(await where(open)).toEqual([]);
    const record = open.find(
      (v) => v.key === redisKeys.task(task.provider, task.id) && v.part === 'internal',
    );
    const held = JSON.parse(record!.text) as { secrets?: Array<{ path: string[]; sealed: string }> };
    expect(held.secrets?.map((secret) => secret.path)).toEqual([['userData']]);
    const sealed = held.secrets!.map((secret) => secret.sealed);
    const done = await waitForTask(client, task.id, 60);
    expect(done.status).toBe('succeeded');
    const ended = await dumpRedis(redis);
    expect(await where(ended)).toEqual([]);
    expect(ended.filter((v) => sealed.some((text) => v.text.includes(text))).map((v) => v.key)).toEqual([]);
    // Nor in the answers a client reads afterwards.
    const read = await api.getServer({ client, path: { id: done.resource.id! }, query: { fresh: true } });
    expect(JSON.stringify([done, read.data])).not.toContain(userData.split('\n')[2].trim());
    await succeeded(client, (await api.deleteServer({ client, path: { id: done.resource.id! } })).data);
  });

  // Request URLs are logged with `?access_token=` masked (loggableUrl).
  it('should keep event tokens out of everything but the answer that issued them', () => {
    const leaks = scanner.leaks().filter((f) => group(f) === 'event-token');
    expect(leaks).toEqual([]);
  });

  // The upstream client masks what a request sent from the error texts it passes on.
  it('should not pass on a credential that a backend repeats in its error message', async () => {
    const echo = new SecretScanner();
    const credentials = {
      cloudmc: gw.sims.cloudmc.apiKey,
      cloudsigma: gw.sims.cloudsigma.password,
      dcimanager: gw.sims.dcimanager.password,
    };
    const [answers, lines] = [recorder.responses.length, gw.logLines.length];
    const kinds = Object.keys(credentials) as Array<keyof typeof credentials>;
    kinds.forEach((kind) => echo.add(`provider/${kind}`, credentials[kind]));
    const refused = await Promise.all(
      kinds.map((kind) =>
        refusedCredentials(
          gw,
          tenantClient(kind),
          kind,
          CONNECTIONS[kind],
          `Invalid credentials ${credentials[kind]} for this account`,
        ),
      ),
    );
    kinds.forEach((kind, i) =>
      expect({ kind, codes: refused[i].codes }).toEqual({
        kind,
        codes: expect.arrayContaining(['provider_auth_failed']),
      }),
    );
    for (const r of recorder.responses.slice(answers))
      echo.scan(
        'responses',
        `${r.method} ${new URL(r.url).pathname} ${r.status}`,
        `${r.headers}\n\n${r.body}`,
      );
    for (const value of await dumpRedis(redis)) echo.scan('redis', `${value.key} ${value.part}`, value.text);
    gw.logLines
      .slice(lines)
      .forEach((line, i) => echo.scan('logs', `line ${lines + i + 1}: ${line.slice(0, 160)}`, line));
    echoReport = echo.report('backend repeating the credentials it refused');
    expect(echo.findings).toEqual([]);
  });
});
