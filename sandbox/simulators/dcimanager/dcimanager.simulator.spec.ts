import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request as httpRequest } from 'node:http';
import { SEED_CONFIGURATIONS, SEED_IDS, SIM_OTHER_EMAIL, SIM_OWNER_EMAIL } from './dcimanager-sim.seed';
import { DciTestClient, type Fields } from '../../../test/support/simulators/dcimanager-sim.test-client';
import {
  type DcimanagerSimulatorHandle,
  dcimanagerSimulator,
  startDcimanagerSimulator,
} from './dcimanager.simulator';

// Exercises the simulator over real HTTP, as the docs' curl samples do.

let sim: DcimanagerSimulatorHandle;
const client = new DciTestClient(() => sim);
const call = client.call.bind(client);
const config = (settings: Record<string, unknown>) => call('POST', '/__sim/config', { body: settings });

beforeAll(async () => {
  sim = await startDcimanagerSimulator({ host: '127.0.0.1', port: 0, speed: 200 });
});

afterAll(() => sim.stop());

beforeEach(async () => {
  expect((await call('POST', '/__sim/reset')).status).toBe(200);
  await client.login();
});

describe('dcimanager simulator definition', () => {
  it('starts with a connection block whose credentials log in, with and without /api', async () => {
    const handle = await dcimanagerSimulator.start({
      host: '127.0.0.1',
      port: 0,
      speed: 200,
      dataDir: mkdtempSync(join(tmpdir(), 'cloudmux-dcimanager-sim-')),
      secret: 'fixed-secret-1',
    });
    try {
      expect(handle.connection).toEqual({
        kind: 'dcimanager',
        endpoint: handle.url,
        email: expect.stringContaining('@'),
        password: 'fixed-secret-1',
        ownerEmail: SIM_OWNER_EMAIL,
      });
      for (const prefix of ['/api', '']) {
        const response = await fetch(`${handle.url}${prefix}/auth/v4/public/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: handle.connection.email, password: 'fixed-secret-1' }),
        });
        expect(response.status).toBe(201);
        expect(await response.json()).toEqual({
          id: expect.any(String),
          token: expect.stringMatching(/^[0-9a-f]{48}$/),
        });
      }
    } finally {
      await handle.stop();
    }
  });
});

describe('auth v4 and sessions', () => {
  it('answers 401 with code 1000 without a session, and 1001 for a bad login', async () => {
    const none = await call('GET', '/dci/v3/server', { token: null });
    expect(none).toEqual({
      status: 401,
      body: { error: { code: 1000, msg: expect.any(String), value: {} } },
    });
    const bad = await call('POST', '/auth/v4/public/token', {
      body: { email: 'x@y.z', password: 'nope' },
      token: null,
    });
    expect(bad.status).toBe(401);
    expect(bad.body.error.code).toBe(1001);
  });

  it('reads the cookie for GETs but refuses a cookie-only POST as CSRF', async () => {
    expect((await call('GET', '/dci/v3/server', { cookieOnly: true, prefix: '' })).status).toBe(200);
    const post = await call('POST', `/dci/v3/server/${SEED_IDS.ownedStopped}/power_on`, {
      body: {},
      cookieOnly: true,
    });
    expect(post.status).toBe(403);
    expect(post.body.error.code).toBe(1002);
  });

  it('ends idle sessions after the configured lifetime, and on demand', async () => {
    await config({ sessionLifetimeMs: 30 });
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect((await call('GET', '/dci/v3/server')).status).toBe(401);
    await config({ sessionLifetimeMs: 60_000, sessionErrorStatus: 403 });
    await client.login();
    expect((await call('GET', '/dci/v3/server')).status).toBe(200);
    await config({ expireSessions: true });
    expect(await call('GET', '/dci/v3/server')).toMatchObject({
      status: 403,
      body: { error: { code: 1000 } },
    });
  });

  it('trades a one-time login key for a session', async () => {
    const minted = await call('POST', `/auth/v4/user/${SIM_OWNER_EMAIL}/key`, { body: {} });
    expect(minted.body).toEqual({ id: String(SEED_IDS.owner), key: expect.stringMatching(/^2-/) });
    const session = await call('POST', '/auth/v4/public/key', {
      body: { key: minted.body.key },
      token: null,
    });
    expect(session.status).toBe(201);
    const whoami = await call('GET', '/auth/v4/whoami', { token: session.body.token as string });
    expect(whoami.body).toMatchObject({ email: SIM_OWNER_EMAIL });
    const again = await call('POST', '/auth/v4/public/key', { body: { key: minted.body.key }, token: null });
    expect(again.status).toBe(401);
  });

  it('counts calls that do not send isp-box-instance', async () => {
    await fetch(`${sim.url}/api/dci/v3/server`, { headers: { 'x-xsrf-token': client.token! } });
    const state = await call('GET', '/__sim/state');
    expect(state.body.requestsWithoutBoxHeader).toBe(1);
  });
});

describe('lists', () => {
  it('filters with where, sorts with orderby and pages with limit, size counting every match', async () => {
    const where = encodeURIComponent(`(owner_email EQ '${SIM_OWNER_EMAIL}') AND is_new EQ false`);
    const page = await call('GET', `/dci/v3/server?where=${where}&orderby=id%20desc&limit=1,1`);
    expect(page.status).toBe(200);
    expect(page.body.size).toBe(3);
    expect((page.body.list as Fields[]).map((s: Fields) => s.id as number)).toEqual([SEED_IDS.ownedStopped]);
    expect(page.body.last_notify).toEqual(expect.any(Number));
    const free = await call(
      'GET',
      '/dci/v3/server?where=owner_email+IS+null+AND+name+CP+%27sb-%25%27&limit=100',
    );
    expect((free.body.list as Fields[]).map((s: Fields) => s.name as string)).toEqual([
      'sb-r6-u11',
      'sb-r6-u12',
      'sb-r6-u13',
    ]);
  });

  it('caps pages at maxPageSize and refuses a malformed where with the error body', async () => {
    await config({ maxPageSize: 2 });
    const capped = await call('GET', '/dci/v3/server?limit=0,50');
    expect(capped.body.list).toHaveLength(2);
    expect(capped.body.size).toBeGreaterThan(2);
    const bad = await call('GET', `/dci/v3/server?where=${encodeURIComponent("colour EQ 'blue'")}`);
    expect(bad).toMatchObject({ status: 400, body: { error: { code: 2001, value: { field: 'where' } } } });
  });

  it('counts free servers per configuration, new servers excluded', async () => {
    const { body } = await call('GET', '/dci/v3/server/configuration');
    const free = Object.fromEntries(
      (body.list as Fields[]).map((c: Fields) => [c.configuration, c.free_server_count]),
    );
    expect(free).toEqual({
      [SEED_CONFIGURATIONS.small]: 5,
      [SEED_CONFIGURATIONS.storage]: 2,
      [SEED_CONFIGURATIONS.nvme]: 1,
      [SEED_CONFIGURATIONS.desktop]: 0,
    });
  });

  it('adds free stock with addresses of its own on request (the bench), until a reset', async () => {
    const freeSmall = async (): Promise<unknown> =>
      ((await call('GET', '/dci/v3/server/configuration')).body.list as Fields[]).find(
        (c: Fields) => c.configuration === SEED_CONFIGURATIONS.small,
      )?.free_server_count;
    expect((await config({ stock: 300 })).status).toBe(200);
    expect((await config({ stock: 2 })).status).toBe(200);
    expect(await freeSmall()).toBe(5 + 302);
    const { body } = await call(
      'GET',
      `/dci/v3/server?where=${encodeURIComponent('owner_email IS null')}&limit=0,1000`,
    );
    const addresses = (body.list as Fields[]).flatMap((s: Fields) =>
      (s.ip as Fields[]).map((ip: Fields) => ip.name as string),
    );
    expect(new Set(addresses).size).toBe(addresses.length);
    expect(addresses.filter((a) => a.startsWith('100.66.'))).toHaveLength(302);
    expect((await config({ stock: 1.5 })).status).toBe(400);
    await call('POST', '/__sim/reset');
    await client.login();
    expect(await freeSmall()).toBe(5);
  });
});

describe('power, ownership and operations', () => {
  it('switches power after the command runs and refuses commands in the wrong power state', async () => {
    const id = SEED_IDS.ownedRunning;
    const refused = await call('POST', `/dci/v3/server/${id}/power_on`, { body: {} });
    expect(refused).toMatchObject({
      status: 400,
      body: { error: { code: 3001, value: { power_status: 'on' } } },
    });
    await config({ paused: true });
    const off = await call('POST', `/dci/v3/server/${id}/power_off`, { body: {} });
    expect(off.body).toEqual({ id, task: expect.any(Number) });
    expect((await client.server(id)).power_status).toBe('on');
    await config({ paused: false });
    await client.until(id, (s) => s.power_status === 'off');
    await call('POST', `/dci/v3/server/${id}/power_reset`, { body: {} });
    await client.until(id, (s) => s.power_status === 'on');
    const noBmc = await call('POST', `/dci/v3/server/${SEED_IDS.ownedNoBmc}/power_on`, { body: {} });
    expect(noBmc.body.error.code).toBe(3008);
  });

  it('assigns and releases owners, refusing a server that belongs to someone else', async () => {
    expect(
      (await call('POST', '/dci/v3/server/105/owner', { body: { owner: SEED_IDS.owner } })).body,
    ).toEqual({ id: 105 });
    expect((await client.server(105)).owner_email).toBe(SIM_OWNER_EMAIL);
    const other = await call('POST', `/dci/v3/server/${SEED_IDS.othersServer}/owner`, {
      body: { owner: SEED_IDS.owner },
    });
    expect(other.body.error.code).toBe(3004);
    await call('DELETE', '/dci/v3/server/105/owner');
    expect((await client.server(105)).owner).toBeNull();
    const customer = await call('POST', '/auth/v4/public/token', {
      body: { email: SIM_OTHER_EMAIL, password: 'other-pass-1' },
      token: null,
    });
    const mine = await call('GET', '/dci/v3/server', { token: customer.body.token as string });
    expect((mine.body.list as Fields[]).map((s: Fields) => s.id as number)).toEqual([SEED_IDS.othersServer]);
  });

  it('installs an OS through named stages, then clears the operation', async () => {
    const body = { os_template_id: SEED_IDS.debian, password: 'secret-pass', hdd_raid: 'raid_1' };
    await config({ paused: true });
    const accepted = await call('POST', '/dci/v3/server/105/operation_os', { body });
    expect(accepted.body).toEqual({ id: expect.any(Number), task: expect.any(Number) });
    const running = await client.server(105);
    expect(running.operation).toMatchObject({
      id: accepted.body.id,
      status: 'created',
    });
    expect((running.operation.progress_info as Fields[]).every((p: Fields) => p.status === 'pending')).toBe(
      true,
    );
    expect((running.operation.progress_info as Fields[]).map((p: Fields) => p.name as string)).toEqual([
      'prepare',
      'partition',
      'install',
      'configure',
      'reboot',
    ]);
    const busy = await call('POST', '/dci/v3/server/105/power_on', { body: {} });
    expect(busy.body.error.code).toBe(3002);
    await config({ paused: false });
    const done = await client.until(105, (s) => s.operation === null);
    expect(done).toMatchObject({ os_template: { id: SEED_IDS.debian }, power_status: 'on' });
  });

  it('refuses an install that cannot work, and reports an injected failure in the operation', async () => {
    const raid = await call('POST', '/dci/v3/server/109/operation_os', {
      body: { os_template_id: 11, password: 'secret-pass', hdd_raid: 'raid_10' },
    });
    expect(raid.body.error).toMatchObject({ code: 2001, value: { field: 'hdd_raid' } });
    const noIp = await call('POST', '/dci/v3/server/111/operation_os', {
      body: { os_template_id: 11, password: 'secret-pass' },
    });
    expect(noIp.body.error.code).toBe(3005);
    await config({ failOperations: { operation_os: 1 }, keepFinishedOperation: true });
    await call('POST', '/dci/v3/server/105/operation_os', {
      body: { os_template_id: 11, ssh_pub_keys: ['ssh-ed25519 AAAAC3 test'] },
    });
    const failed = await client.until(105, (s) => s.operation?.status === 'fail');
    expect(failed.operation.status_info.msg).toEqual(expect.any(String));
    expect((failed.operation.progress_info as Fields[]).some((p: Fields) => p.status === 'fail')).toBe(true);
  });

  it('reinstalls an installed server with the same call, keeping its id, owner, note and addresses', async () => {
    const id = SEED_IDS.ownedRunning;
    const before = await client.server(id);
    await config({ paused: true });
    const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIReinstall reinstall@example.test';
    const accepted = await call('POST', `/dci/v3/server/${id}/operation_os`, {
      body: { os_template_id: SEED_IDS.rocky, ssh_pub_keys: [key], user_data: 'ignored' },
    });
    expect(accepted.body).toEqual({ id: expect.any(Number), task: expect.any(Number) });
    // The old template shows while the new one installs.
    expect(await client.server(id)).toMatchObject({
      os_template: { id: SEED_IDS.debian },
      operation: { id: accepted.body.id },
    });
    await config({ paused: false });
    const done = await client.until(id, (s) => s.operation === null);
    expect(done).toMatchObject({
      id,
      uuid: before.uuid,
      user_note: before.user_note,
      owner: before.owner,
      main_ipv4: before.main_ipv4,
      ip: before.ip,
      os_template: { id: SEED_IDS.rocky },
      power_status: 'on',
    });
    // The keys live on the installed disk, not on the wire.
    expect(sim.state.servers.get(id)!.installedKeys).toEqual([key]);
    expect(JSON.stringify(done)).not.toContain('Reinstall');
  });

  it('refuses to install a suspended server: its switch ports are down', async () => {
    const id = SEED_IDS.ownedRunning;
    await call('POST', `/dci/v3/server/${id}/suspend`, { body: {} });
    const suspending = await call('POST', `/dci/v3/server/${id}/operation_os`, {
      body: { os_template_id: SEED_IDS.debian, password: 'secret-pass' },
    });
    expect(suspending).toMatchObject({ status: 400, body: { error: { code: 3003 } } });
    await client.until(id, (s) => s.state === 'suspended');
    const suspended = await call('POST', `/dci/v3/server/${id}/operation_os`, {
      body: { os_template_id: SEED_IDS.debian, password: 'secret-pass' },
    });
    expect(suspended.body.error).toMatchObject({ code: 3003, value: { state: 'suspended' } });
  });

  it('wipes disks and leaves the server off without an OS', async () => {
    await call('POST', `/dci/v3/server/${SEED_IDS.ownedRunning}/operation_clear_hdd`, {
      body: { clear_hdd: 'simple' },
    });
    const done = await client.until(SEED_IDS.ownedRunning, (s) => s.operation === null);
    expect(done).toMatchObject({ os_template: null, power_status: 'off' });
  });
});

describe('IP addresses', () => {
  it('allocates with per-address status, then releases by POST, and by DELETE only when configured', async () => {
    await config({ paused: true });
    const allocated = await call('POST', '/dci/v3/server/111/ip', { body: { family: 'ipv4' } });
    const ipId = allocated.body.id as number;
    const fresh = await client.server(111);
    expect(fresh.ip).toEqual([
      expect.objectContaining({ id: ipId, status: 'allocating', name: '198.51.100.11' }),
    ]);
    await config({ paused: false });
    const ok = await client.until(111, (s) => s.ip[0]?.status === 'ok');
    expect(ok.main_ipv4).toBe(ipId);
    await config({ ipReleaseMethods: ['DELETE'], paused: true });
    expect((await call('POST', `/dci/v3/server/111/ip/${ipId}`, { body: {} })).status).toBe(405);
    expect((await call('DELETE', `/dci/v3/server/111/ip/${ipId}`)).body).toEqual({
      id: ipId,
      task: expect.any(Number),
    });
    expect((await client.server(111)).ip[0].status).toBe('deleting');
    await config({ paused: false });
    const gone = await client.until(111, (s) => s.ip.length === 0);
    expect(gone.main_ipv4).toBeNull();
  });

  it('refuses an address that is taken', async () => {
    const taken = await call('POST', '/dci/v3/server/105/ip', { body: { ip_name: '203.0.113.10' } });
    expect(taken.body.error.code).toBe(3006);
  });
});

describe('faults', () => {
  it('answers 503 while a sleeping service wakes, then serves again', async () => {
    await config({ sleep: ['dci'], wakeMs: 60 });
    const first = await call('GET', '/dci/v3/server');
    expect(first).toMatchObject({ status: 503, body: { error: { code: 5030 } } });
    expect((await call('GET', '/ip/v3/ipnet')).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await call('GET', '/dci/v3/server')).status).toBe(200);
  });

  it('injects errors with the DCImanager error body', async () => {
    await call('POST', '/__sim/faults', {
      body: { action: 'error', status: 500, path: '/server$', count: 1 },
    });
    const injected = await call('GET', '/dci/v3/server');
    expect(injected).toEqual({
      status: 500,
      body: { error: { code: 5000, msg: 'Injected failure', value: {} } },
    });
  });

  it('hides the catalog collections when asked', async () => {
    expect((await call('GET', '/dci/v3/os_template')).body.list).toHaveLength(4);
    await config({ hideCatalog: true });
    expect((await call('GET', '/dci/v3/location')).status).toBe(404);
  });
});

describe('request bodies (docs/providers/dcimanager.md#request-bodies)', () => {
  interface Raw {
    body?: string;
    contentType?: string;
    /** Sends the body with `transfer-encoding: chunked` instead of a content length. */
    chunked?: boolean;
  }

  /** A POST framed exactly as given (node:http, so no client adds a type or length), with the session header. */
  const raw = (path: string, init: Raw): Promise<{ status: number; body: Fields }> => {
    const headers: Record<string, string> = { 'isp-box-instance': 'true', 'x-xsrf-token': client.token! };
    if (init.contentType) headers['content-type'] = init.contentType;
    if (init.chunked) headers['transfer-encoding'] = 'chunked';
    else headers['content-length'] = String(Buffer.byteLength(init.body ?? ''));
    return new Promise((resolve, reject) => {
      const request = httpRequest(`${sim.url}/api${path}`, { method: 'POST', headers }, (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, body: text ? (JSON.parse(text) as Fields) : {} }),
        );
      });
      request.on('error', reject);
      if (init.body) request.write(init.body);
      request.end();
    });
  };
  const powerOn = `/dci/v3/server/${SEED_IDS.ownedStopped}/power_on`;
  const accepted = { status: 200, body: { id: SEED_IDS.ownedStopped, task: expect.any(Number) } };

  it('takes a POST without a body or content type, with a zero length or chunked', async () => {
    expect(await raw(powerOn, {})).toEqual(accepted);
    await client.until(SEED_IDS.ownedStopped, (s) => s.power_status === 'on');
    const reset = await raw(`/dci/v3/server/${SEED_IDS.ownedRunning}/power_reset`, { chunked: true });
    expect(reset.status).toBe(200);
  });

  it("takes the docs' curl `-d '{}'`, sent as application/x-www-form-urlencoded", async () => {
    expect(await raw(powerOn, { body: '{}', contentType: 'application/x-www-form-urlencoded' })).toEqual(
      accepted,
    );
  });

  it('takes JSON without a content type', async () => {
    expect(await raw(powerOn, { body: '{}', chunked: true })).toEqual(accepted);
  });

  it('reads a JSON body sent with a form content type, as curl -d does', async () => {
    const answer = await raw('/dci/v3/server/105/owner', {
      body: JSON.stringify({ owner: SEED_IDS.owner }),
      contentType: 'application/x-www-form-urlencoded',
    });
    expect(answer).toEqual({ status: 200, body: { id: 105 } });
    expect((await client.server(105)).owner_email).toBe(SIM_OWNER_EMAIL);
  });

  it('takes an empty application/octet-stream body, with a zero length or chunked', async () => {
    expect(await raw(powerOn, { contentType: 'application/octet-stream' })).toEqual(accepted);
    const reset = await raw(`/dci/v3/server/${SEED_IDS.ownedRunning}/power_reset`, {
      contentType: 'application/octet-stream',
      chunked: true,
    });
    expect(reset.status).toBe(200);
  });

  it('takes an empty body declared as JSON', async () => {
    expect(await raw(powerOn, { contentType: 'application/json' })).toEqual(accepted);
  });

  it('still answers 415, with the error body, for a body that is not JSON', async () => {
    for (const [body, contentType] of [
      ['owner=2', 'application/x-www-form-urlencoded'],
      ['power on please', 'text/plain'],
      ['owner=2', undefined],
    ] as const) {
      expect(await raw(powerOn, { body, contentType })).toEqual({
        status: 415,
        body: { error: { code: 2005, msg: expect.stringContaining('JSON'), value: {} } },
      });
    }
    expect((await client.server(SEED_IDS.ownedStopped)).power_status).toBe('off');
  });

  it('answers 400 for malformed JSON declared as JSON', async () => {
    const answer = await raw(powerOn, { body: '{"a":', contentType: 'application/json' });
    expect(answer).toMatchObject({ status: 400, body: { error: { code: 2003 } } });
  });
});
