import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { ulid } from 'ulid';
import { keys as redisKeys } from '../../src/common/redis/keys';
import { api, renameServer, clientFor, succeeded, type Client } from '../support/api';
import { expectHidden as expectHiddenOnce, renamed, type Answer } from '../support/security-assert';
import { backendWrites, loadFixture, storedTasks } from '../support/security-fixtures';
import { NAMES, startSecurityGateway, type SecurityGateway } from '../support/security-gateway';
import { mutatingRoutes, requestFor, send, type ConnectionFixture } from '../support/security-routes';
import { openEvents, type SseEvent, type SseStream } from '../support/sse';
import { FULL, sized } from '../support/suite-size';

// Keys scoped to one connection each, over all four backends: nothing of another connection may show, be
// touched, or be confirmed to exist (docs/design.md#authentication-and-tenancy: 404, not 403). Read-only keys change nothing.

const UNKNOWN = 'sec-nowhere';
const TOKEN_TTL_SECONDS = 10;
const LISTS = ['servers', 'volumes', 'networks', 'ips'] as const;
const others = (name: string) => NAMES.filter((other) => other !== name);
const PAIRS = NAMES.flatMap((x) => others(x).map((y) => [x, y] as const));
const FORBIDDEN = { status: 403, code: 'forbidden' };
const names = (hidden: string) => ({ hidden, unknown: UNKNOWN });
const data = (event: SseEvent) => JSON.parse(event.data) as { id: string; provider: string };

jest.setTimeout(sized(120_000, 600_000));

/** What was checked, printed at the end for the closing note. */
const figures = {
  size: FULL ? 'full' : 'short',
  connections: NAMES.length,
  foreignAnswersComparedWithUnknown: 0,
  readOnlyDenials: 0,
  idempotencyPairs: 0,
  eventStreams: 0,
  eventsReceived: 0,
  foreignEventsReceived: 0,
};

const expectHidden: typeof expectHiddenOnce = (...args) => {
  figures.foreignAnswersComparedWithUnknown++;
  expectHiddenOnce(...args);
};

describe('tenancy over all four backends (security)', () => {
  let gw: SecurityGateway;
  let redis: Redis;
  let admin: Client;
  const tenant: Record<string, Client> = {};
  const fixtures: Record<string, ConnectionFixture> = {};
  /** Every task each tenant ran on its own connection, oldest first. */
  const ownTasks: Record<string, string[]> = Object.fromEntries(NAMES.map((name) => [name, []]));
  const streams: SseStream[] = [];

  const auth = (key: string) => ({ Authorization: `Bearer ${key}` });
  const get = (path: string, key: string): Promise<Answer> =>
    send(gw.baseUrl, { method: 'GET', path }, auth(key));
  /** A rename by the connection's own tenant: every backend supports it, and it makes a task and events. */
  const rename = async (name: string, wait = true) => {
    const accepted = await renameServer({
      client: tenant[name],
      path: { id: fixtures[name].server },
      body: { name: `sec-${ownTasks[name].length}` },
    });
    if (!accepted.data) throw new Error(`rename on ${name}: ${JSON.stringify(accepted.error)}`);
    ownTasks[name].push(accepted.data.id);
    return wait ? succeeded(tenant[name], accepted.data) : accepted.data;
  };
  const writesEverywhere = () => Promise.all(NAMES.map((name) => backendWrites(gw.simOf(name))));
  const stream = async (url: string, headers: Record<string, string> = {}) => {
    const opened = await openEvents(`${gw.baseUrl}${url}`, headers);
    streams.push(opened);
    return opened;
  };

  beforeAll(async () => {
    gw = await startSecurityGateway({ tokenTtlSeconds: TOKEN_TTL_SECONDS });
    redis = new Redis(gw.redisUrl);
    admin = clientFor(gw.baseUrl, gw.keys.admin);
    for (const name of NAMES) tenant[name] = clientFor(gw.baseUrl, gw.keys.tenant[name]);
    await Promise.all(
      NAMES.map(async (name) => {
        fixtures[name] = await loadFixture(admin, name);
        await rename(name);
      }),
    );
  });

  afterAll(async () => {
    streams.forEach((s) => s.close());
    figures.eventStreams = streams.length;
    figures.eventsReceived = streams.reduce((n, s) => n + s.events.length, 0);
    // A folder of this run's own: it stays, for the path printed below.
    const path = join(mkdtempSync(join(tmpdir(), 'cloudmux-security-tenancy-')), 'tenancy.json');
    writeFileSync(path, JSON.stringify(figures, null, 2));
    console.log(`tenancy figures: ${JSON.stringify(figures)}\n  written to ${path}`);
    redis?.disconnect();
    await gw?.close();
  });

  it('should list only the key’s own rows of every kind, and 404 a filter on another connection', async () => {
    const perKey = NAMES.map(async (x) => {
      const key = gw.keys.tenant[x];
      for (const kind of LISTS) {
        const mine = await get(`/v1/${kind}?pageSize=500`, key);
        const adminView = await get(`/v1/${kind}?provider=${x}&pageSize=500`, gw.keys.admin);
        const items = mine.body.items as Array<{ id: string; provider: string }>;
        expect({ x, kind, status: mine.status }).toEqual({ x, kind, status: 200 });
        expect(items.length).toBeGreaterThan(0);
        expect(new Set(items.map((item) => item.provider))).toEqual(new Set([x]));
        expect(items.map((item) => item.id)).toEqual(
          (adminView.body.items as Array<{ id: string }>).map((item) => item.id),
        );
        expect((mine.body.providers as Array<{ provider: string }>).map((p) => p.provider)).toEqual([x]);
        for (const y of others(x)) {
          const foreign = await get(`/v1/${kind}?provider=${y}`, key);
          expectHidden(foreign, await get(`/v1/${kind}?provider=${UNKNOWN}`, key), names(y), `${x} ${kind}`);
        }
      }

      const providers = await get('/v1/providers', key);
      expect((providers.body.items as Array<{ name: string }>).map((p) => p.name)).toEqual([x]);

      const tasks = await get('/v1/tasks?pageSize=500', key);
      const taskItems = tasks.body.items as Array<{ id: string; provider: string }>;
      expect(taskItems.map((t) => t.id)).toEqual(expect.arrayContaining(ownTasks[x]));
      expect(taskItems.every((t) => t.provider === x)).toBe(true);
      for (const y of others(x)) {
        const foreign = await get(`/v1/tasks?provider=${y}`, key);
        expectHidden(foreign, await get(`/v1/tasks?provider=${UNKNOWN}`, key), names(y), `${x} tasks`);
      }
      // A page token of a caller who sees everything still yields only the key's own tasks.
      const adminPage = await get('/v1/tasks?pageSize=1', gw.keys.admin);
      const next = await get(`/v1/tasks?pageSize=1&pageToken=${String(adminPage.body.nextPageToken)}`, key);
      expect((next.body.items as Array<{ provider: string }>).every((t) => t.provider === x)).toBe(true);
    });
    await Promise.all(perKey);
  });

  it('should answer gets of another connection’s ids, catalog and tasks exactly as for an unknown connection', async () => {
    const rows = sized(1, 5);
    const perConnection = NAMES.map(async (y) => {
      const paths = [
        `/v1/providers/${y}`,
        `/v1/providers/${y}/images`,
        `/v1/providers/${y}/plans`,
        `/v1/providers/${y}/locations`,
      ];
      for (const kind of LISTS) {
        const all = await get(`/v1/${kind}?provider=${y}`, gw.keys.admin);
        paths.push(
          ...(all.body.items as Array<{ id: string }>).slice(0, rows).map((r) => `/v1/${kind}/${r.id}`),
        );
      }
      // They exist: the admin reads every one of them.
      for (const path of paths)
        expect({ path, status: (await get(path, gw.keys.admin)).status }).toEqual({ path, status: 200 });

      for (const x of others(y)) {
        const key = gw.keys.tenant[x];
        for (const path of paths)
          expectHidden(
            await get(path, key),
            await get(path.replaceAll(y, UNKNOWN), key),
            names(y),
            `${x} GET ${path}`,
          );

        const bTask = ownTasks[y][0];
        const unknownTask = await get(`/v1/tasks/${ulid()}`, key);
        for (const path of [`/v1/tasks/${bTask}`, `/v1/tasks/${bTask}?waitSeconds=5`]) {
          const foreign = await get(path, key);
          expect({ path, status: foreign.status, code: foreign.body.code }).toEqual({
            path,
            status: 404,
            code: 'not_found',
          });
          expect(String(foreign.body.detail).replace(bTask, '<id>')).toBe(
            String(unknownTask.body.detail).replace(/[0-9A-Z]{26}/, '<id>'),
          );
        }
        const byResource = await get(`/v1/tasks?resourceId=${fixtures[y].server}`, key);
        expect({ x, y, status: byResource.status, items: byResource.body.items }).toEqual({
          x,
          y,
          status: 200,
          items: [],
        });
      }
      const adminByResource = await get(`/v1/tasks?resourceId=${fixtures[y].server}`, gw.keys.admin);
      expect((adminByResource.body.items as unknown[]).length).toBeGreaterThan(0);

      // A task still running is hidden too: waiting on it must not hold the answer or reveal its end.
      const running = await rename(y, false);
      const peek = await get(`/v1/tasks/${running.id}?waitSeconds=10`, gw.keys.tenant[others(y)[0]]);
      expect(peek.status).toBe(404);
      await succeeded(tenant[y], running);
    });
    await Promise.all(perConnection);
  });

  it('should answer 404 to every mutation of another connection’s resources, with no task and no backend call', async () => {
    const routes = mutatingRoutes(true);
    const tasksBefore = await storedTasks(redis);
    const writesBefore = await writesEverywhere();
    const perPair = PAIRS.map(async ([x, y]) => {
      const headers = auth(gw.keys.tenant[x]);
      for (const route of routes) {
        const request = requestFor(route, fixtures[y]);
        const withKey = { ...headers, 'Idempotency-Key': `sec-${x}-${y}-${route.operationId}` };
        const foreign = await send(gw.baseUrl, request, withKey);
        const unknown = await send(gw.baseUrl, renamed(request, y, UNKNOWN), withKey);
        expectHidden(foreign, unknown, names(y), `${x} ${request.method} ${request.path}`);
      }
      // The key's own resource, pointed at another connection's server: refused alike for a real and a made-up one.
      for (const route of routes.filter((r) =>
        ['attachVolume', 'attachIp', 'allocateIp'].includes(r.operationId),
      )) {
        const request = requestFor(route, { ...fixtures[x], server: fixtures[y].server });
        const foreign = await send(gw.baseUrl, request, headers);
        const unknown = await send(gw.baseUrl, renamed(request, y, UNKNOWN), headers);
        expect(foreign.status).toBeGreaterThanOrEqual(400);
        expectHidden(foreign, unknown, names(y), `${x} ${route.operationId} → ${y}`, null);
      }
    });
    await Promise.all(perPair);
    expect(await storedTasks(redis)).toBe(tasksBefore);
    expect(await writesEverywhere()).toEqual(writesBefore);
  });

  it('should answer 403 to read-only keys on every mutating route of the contract, with no task and no backend call', async () => {
    const routes = mutatingRoutes();
    expect(routes.map((r) => r.operationId).sort()).toEqual(
      [
        'allocateIp',
        'attachIp',
        'attachVolume',
        'createNetwork',
        'createServer',
        'createVolume',
        'deleteNetwork',
        'deleteServer',
        'deleteVolume',
        'detachIp',
        'detachVolume',
        'rebootServer',
        'releaseIp',
        'updateServer',
        'resizeServer',
        'rebuildServer',
        'updateVolume',
        'resizeVolume',
        'updateNetwork',
        'updateIp',
        'createSshKey',
        'deleteSshKey',
        'startServer',
        'stopServer',
        'cancelTask',
        'createWebhook',
        'updateWebhook',
        'deleteWebhook',
        'rotateWebhookSecret',
        'testWebhook',
      ].sort(),
    );
    const tasksBefore = await storedTasks(redis);
    const writesBefore = await writesEverywhere();
    const perConnection = NAMES.map(async (y) => {
      for (const route of routes) {
        const request = requestFor(route, fixtures[y]);
        const readers: Array<[string, string]> = [
          ['reader', gw.keys.reader],
          [`reader-${y}`, gw.keys.tenantReader[y]],
        ];
        for (const [who, key] of readers) {
          const denied = await send(gw.baseUrl, request, {
            ...auth(key),
            'Idempotency-Key': 'sec-read-only',
          });
          expect({ who, op: route.operationId, status: denied.status, code: denied.body.code }).toEqual({
            who,
            op: route.operationId,
            status: 403,
            code: 'forbidden',
          });
          expect(denied.contentType).toMatch(/^application\/problem\+json/);
          figures.readOnlyDenials++;
        }
        // A read-only key of another connection: refused before the id is even looked at.
        const stranger = auth(gw.keys.tenantReader[others(y)[0]]);
        const foreign = await send(gw.baseUrl, request, stranger);
        const unknown = await send(gw.baseUrl, renamed(request, y, UNKNOWN), stranger);
        expectHidden(foreign, unknown, names(y), `stranger ${route.operationId} on ${y}`, FORBIDDEN);
      }
    });
    await Promise.all(perConnection);
    expect(await storedTasks(redis)).toBe(tasksBefore);
    expect(await writesEverywhere()).toEqual(writesBefore);
  });

  it('should scope Idempotency-Keys to the API key: no replay, no 422 and no task of another tenant', async () => {
    const pairs = FULL ? PAIRS : NAMES.map((x, i) => [x, NAMES[(i + 1) % NAMES.length]] as const);
    for (const [x, y] of pairs) {
      const headers = { 'Idempotency-Key': `sec-shared-${x}-${y}` };
      const body = { name: `idem-${x}` };
      const ofX = await renameServer({
        client: tenant[x],
        path: { id: fixtures[x].server },
        body,
        headers,
      });
      const ofY = await renameServer({
        client: tenant[y],
        path: { id: fixtures[y].server },
        body,
        headers,
      });
      expect({ x, y, statuses: [ofX.response.status, ofY.response.status] }).toEqual({
        x,
        y,
        statuses: [202, 202],
      });
      expect(ofY.data!.id).not.toBe(ofX.data!.id);
      expect(ofY.data!.provider).toBe(y);
      figures.idempotencyPairs++;
      // Y sends X's very request with X's key: X's task must not come back.
      const replayOfX = await renameServer({
        client: tenant[y],
        path: { id: fixtures[x].server },
        body,
        headers,
      });
      expect({ x, y, status: replayOfX.response.status }).toEqual({ x, y, status: 404 });
      // Each tenant still replays its own.
      const againX = await renameServer({
        client: tenant[x],
        path: { id: fixtures[x].server },
        body,
        headers,
      });
      const againY = await renameServer({
        client: tenant[y],
        path: { id: fixtures[y].server },
        body,
        headers,
      });
      expect([againX.data?.id, againY.data?.id]).toEqual([ofX.data!.id, ofY.data!.id]);
      await succeeded(tenant[x], ofX.data);
      await succeeded(tenant[y], ofY.data);
      ownTasks[x].push(ofX.data!.id);
      ownTasks[y].push(ofY.data!.id);
      // The admin, who sees both connections, has its own idempotency space as well.
      const ofAdmin = await renameServer({
        client: admin,
        path: { id: fixtures[x].server },
        body,
        headers,
      });
      expect(ofAdmin.response.status).toBe(202);
      expect([ofX.data!.id, ofY.data!.id]).not.toContain(ofAdmin.data!.id);
      await succeeded(admin, ofAdmin.data);
    }
  });

  it('should stream to each key (header or event token) its own events and none of another connection', async () => {
    const tokens = await Promise.all(
      NAMES.map(async (name) => (await api.createEventToken({ client: tenant[name] })).data!.token),
    );
    const viaHeader = await Promise.all(
      NAMES.map((name) => stream('/v1/events', auth(gw.keys.tenant[name]))),
    );
    const viaToken = await Promise.all(tokens.map((token) => stream(`/v1/events?access_token=${token}`)));
    const everything = await stream('/v1/events', auth(gw.keys.admin));
    for (const s of [...viaHeader, ...viaToken, everything]) expect(s.status).toBe(200);
    const firstNew = Object.fromEntries(NAMES.map((name) => [name, ownTasks[name].length]));

    for (let round = 0; round < sized(1, 3); round++) {
      const started = await Promise.all(NAMES.map((name) => rename(name, false)));
      await Promise.all(started.map((task, i) => succeeded(tenant[NAMES[i]], task)));
    }
    // One more task per key after all the others ended: the stream is ordered, so once a key has seen its own
    // last event, every earlier event of every connection has been through its filter.
    const sentinels = await Promise.all(NAMES.map((name) => rename(name)));
    const succeededIn = (s: SseStream, id: string) =>
      s.until((all) => all.some((e) => e.event === 'task.succeeded' && data(e).id === id));
    await Promise.all(
      NAMES.flatMap((_name, i) => [viaHeader[i], viaToken[i]].map((s) => succeededIn(s, sentinels[i].id))),
    );
    await Promise.all(sentinels.map((task) => succeededIn(everything, task.id)));

    expect(new Set(everything.events.map((e) => data(e).provider))).toEqual(new Set(NAMES));
    NAMES.forEach((name, i) => {
      for (const [via, s] of [
        ['header', viaHeader[i]],
        ['token', viaToken[i]],
      ] as const) {
        const providers = new Set(s.events.map((e) => data(e).provider));
        figures.foreignEventsReceived += s.events.filter((e) => data(e).provider !== name).length;
        expect({ name, via, providers: [...providers] }).toEqual({ name, via, providers: [name] });
        const seen = new Set(s.events.filter((e) => e.event === 'task.succeeded').map((e) => data(e).id));
        for (const id of ownTasks[name].slice(firstNew[name]))
          expect({ name, via, id, seen: seen.has(id) }).toEqual({ name, via, id, seen: true });
      }
    });

    for (const [x, y] of PAIRS) {
      const filtered = await stream(`/v1/events?provider=${y}`, auth(gw.keys.tenant[x]));
      const filteredByToken = await stream(
        `/v1/events?provider=${y}&access_token=${tokens[NAMES.indexOf(x)]}`,
      );
      expect({ x, y, statuses: [filtered.status, filteredByToken.status] }).toEqual({
        x,
        y,
        statuses: [404, 404],
      });
    }
  });

  it('should replay from Last-Event-ID only the key’s own history', async () => {
    const last = Object.fromEntries(NAMES.map((name) => [name, ownTasks[name][ownTasks[name].length - 1]]));
    for (const x of NAMES) {
      const token = (await api.createEventToken({ client: tenant[x] })).data!.token;
      const replays = [
        await stream('/v1/events', { ...auth(gw.keys.tenant[x]), 'Last-Event-ID': '0-0' }),
        await stream(`/v1/events?access_token=${token}&lastEventId=0-0`),
      ];
      for (const replay of replays) {
        await replay.until((all) => all.some((e) => e.event === 'task.succeeded' && data(e).id === last[x]));
        expect([...new Set(replay.events.map((e) => data(e).provider))]).toEqual([x]);
        const ids = new Set(replay.events.map((e) => data(e).id));
        expect(ownTasks[x].every((id) => ids.has(id))).toBe(true);
        replay.close();
      }
    }
    // The stream does hold the other connections' history: the admin's replay has all of it.
    const full = await stream('/v1/events', { ...auth(gw.keys.admin), 'Last-Event-ID': '0-0' });
    await Promise.all(NAMES.map((n) => full.until((all) => all.some((e) => data(e).id === last[n]))));
  });

  it('should keep event tokens read-only, usable on /v1/events alone, scoped like their key, and short-lived', async () => {
    const [x, y] = [NAMES[0], NAMES[1]];
    const issued = await api.createEventToken({ client: tenant[x] });
    expect(issued.response.status).toBe(201);
    const { token, expiresAt } = issued.data!;
    const ttlMs = Date.parse(expiresAt) - Date.now();
    expect(ttlMs).toBeGreaterThan(0);
    expect(ttlMs).toBeLessThanOrEqual(TOKEN_TTL_SECONDS * 1000);
    const stored = redisKeys.eventToken(token);
    expect(await redis.ttl(stored)).toBeGreaterThan(0);
    expect(await redis.ttl(stored)).toBeLessThanOrEqual(TOKEN_TTL_SECONDS);

    // Not a bearer key, and not accepted as a query parameter anywhere but the event stream.
    const misuse = [
      send(gw.baseUrl, { method: 'GET', path: '/v1/servers' }, auth(token)),
      send(gw.baseUrl, { method: 'GET', path: `/v1/servers?access_token=${token}` }, {}),
      send(gw.baseUrl, { method: 'GET', path: `/v1/tasks/${ownTasks[x][0]}?access_token=${token}` }, {}),
      send(gw.baseUrl, { method: 'POST', path: `/v1/events/tokens?access_token=${token}` }, {}),
      ...mutatingRoutes().map((route) => {
        const request = requestFor(route, fixtures[x]);
        return send(gw.baseUrl, { ...request, path: `${request.path}?access_token=${token}` }, {});
      }),
    ];
    for (const answer of await Promise.all(misuse))
      expect([answer.status, answer.body.code]).toEqual([401, 'unauthenticated']);
    const foreign = await stream(`/v1/events?provider=${y}&access_token=${token}`);
    expect(foreign.status).toBe(404);

    // A read-only key's token is scoped to that key's connection too.
    const readerToken = (
      await api.createEventToken({ client: clientFor(gw.baseUrl, gw.keys.tenantReader[x]) })
    ).data!.token;
    expect((await stream(`/v1/events?access_token=${readerToken}`)).status).toBe(200);
    expect((await stream(`/v1/events?provider=${y}&access_token=${readerToken}`)).status).toBe(404);

    // Expired, it opens nothing: the full run waits out the real lifetime, the short one ends it in Redis.
    expect((await stream(`/v1/events?access_token=${token}`)).status).toBe(200);
    if (FULL) await new Promise((resolve) => setTimeout(resolve, (TOKEN_TTL_SECONDS + 1) * 1000));
    else await redis.pexpire(stored, 1);
    for (let i = 0; i < 50 && (await redis.exists(stored)); i++) await new Promise((r) => setTimeout(r, 20));
    const expired = await stream(`/v1/events?access_token=${token}`);
    expect(expired.status).toBe(401);
  });
});
