import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SIM_IDS } from './cloudsigma-sim.seed';
import { lines, objects, SimTestClient } from '../../../test/support/simulators/cloudsigma-sim.test-client';
import {
  type CloudsigmaSimulatorHandle,
  cloudsigmaSimulator,
  startCloudsigmaSimulator,
} from './cloudsigma.simulator';

// Exercises the simulator over real HTTP as a 1.0 client would: Basic auth, text bodies, the manual's codes.

let sim: CloudsigmaSimulatorHandle;
const client = new SimTestClient(() => sim);
const call = client.call.bind(client);
const one = client.one.bind(client);
const control = client.control.bind(client);

const newServer = (extra = '') =>
  `name app-1\ncpu 2000\nmem 1024\npersistent true\nnic:0:model e1000\nnic:0:dhcp auto\nvnc:ip auto\n${extra}`;

beforeAll(async () => {
  sim = await startCloudsigmaSimulator({ host: '127.0.0.1', port: 0, speed: 1000 });
});

afterAll(() => sim.stop());

beforeEach(async () => {
  await control('POST', '/reset');
});

describe('cloudsigma simulator definition', () => {
  it('starts with a connection block whose endpoint is the host root', async () => {
    const handle = await cloudsigmaSimulator.start({
      host: '127.0.0.1',
      speed: 100,
      dataDir: mkdtempSync(join(tmpdir(), 'cloudmux-cloudsigma-sim-')),
      secret: 's3',
    });
    try {
      expect(handle.connection).toEqual({
        kind: 'cloudsigma',
        endpoint: handle.url,
        email: 'sandbox@cloudsigma.test',
        password: 's3',
      });
      const auth = Buffer.from('sandbox@cloudsigma.test:s3').toString('base64');
      const response = await fetch(`${handle.url}/profile/info`, {
        headers: { Authorization: `Basic ${auth}` },
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(await response.text()).toContain(`uuid ${SIM_IDS.account}\n`);
    } finally {
      await handle.stop();
    }
  });
});

describe('auth, routing and status codes', () => {
  it('answers 401 with an errors line and a Basic challenge without the right credentials', async () => {
    for (const auth of [null, [sim.email, 'wrong'] as [string, string]]) {
      const answer = await call('GET', '/servers/info', undefined, { auth });
      expect(answer.status).toBe(401);
      expect(answer.text).toMatch(/^errors:system .+\n$/);
      expect(answer.headers.get('www-authenticate')).toMatch(/^Basic /);
    }
  });

  it('answers "could not be found" with 400, or 404 when so configured', async () => {
    const missing = '00000000-1111-4222-8333-444444444444';
    const answer = await call('GET', `/servers/${missing}/info`);
    expect(answer.status).toBe(400);
    expect(answer.text).toBe(
      `errors:system Server ${missing} could not be found. Check the identifier and try again.\n`,
    );
    await control('POST', '/config', { notFoundStatus: 404 });
    expect((await call('GET', `/drives/${missing}/info`)).status).toBe(404);
  });

  it('answers 404 for unknown commands, 405 for the wrong verb and 411 for a POST without length', async () => {
    expect((await call('GET', '/servers/billing')).status).toBe(404);
    expect((await call('GET', '/servers/create')).status).toBe(405);
    expect((await call('POST', '/servers/info', '')).status).toBe(405);
    expect(await client.bareSend(`/servers/${SIM_IDS.serverWeb}/stop`)).toBe(411);
    expect((await one(`/servers/${SIM_IDS.serverWeb}/info`)).status).toBe('active');
  });

  it('takes the actions with GET as the manual lists them, and with POST as clients send them', async () => {
    expect((await call('GET', `/servers/${SIM_IDS.serverWeb}/stop`)).status).toBe(204);
    expect((await call('POST', `/servers/${SIM_IDS.serverWeb}/start`, '')).status).toBe(200);
    expect((await call('GET', `/guests/${SIM_IDS.serverWeb}/info`)).status).toBe(200);
  });

  it('uses the errors body for injected faults', async () => {
    await control('POST', '/faults', { action: 'error', status: 503, path: '/servers/info', count: 1 });
    const answer = await call('GET', '/servers/info');
    expect(answer.status).toBe(503);
    expect(answer.text).toBe('errors:system Injected failure\n');
  });
});

describe('the three body shapes', () => {
  it('lists bare UUIDs and `type value` lines', async () => {
    expect(lines((await call('GET', '/servers/list')).text)).toEqual([SIM_IDS.serverWeb, SIM_IDS.serverDb]);
    expect(lines((await call('GET', '/drives/list')).text)).toHaveLength(4);
    expect(lines((await call('GET', '/drives/standard/img/list')).text)).toHaveLength(4);
    expect(lines((await call('GET', '/drives/standard/cd/list')).text)).toHaveLength(3);
    expect(lines((await call('GET', '/resources/ip/list')).text)).toEqual(['ip 192.0.2.20', 'ip 192.0.2.21']);
    expect(lines((await call('GET', '/resources/vlan/list')).text)).toEqual([`vlan ${SIM_IDS.vlan}`]);
  });

  it('separates objects by one blank line and shows running and stopped servers as the recorded answers do', async () => {
    const text = (await call('GET', '/servers/info')).text;
    expect(text.split('\n\n')).toHaveLength(2);
    const [web, db] = objects(text);
    expect(web).toMatchObject({
      status: 'active',
      'nic:0:dhcp': '192.0.2.20',
      'vnc:ip': '192.0.2.20',
      smp: '1',
    });
    expect(Number(web.started)).toBeLessThan(Date.now() / 1000);
    expect(db).toMatchObject({ status: 'stopped', 'nic:0:dhcp': 'auto', 'vnc:ip': 'auto', smp: 'auto' });
    expect(db.started).toBeUndefined();
  });

  it('keeps escaped newlines and UTF-8 in library text, and shows claims of attached drives', async () => {
    const library = objects((await call('GET', '/drives/standard/info')).text);
    expect(library.find((d) => d.drive === SIM_IDS.imageUbuntu)!.install_notes).toContain('\\n\\n1. Log in');
    expect(library.find((d) => d.drive === SIM_IDS.cdFreebsd)!.description).toContain('für');
    const data = await one(`/drives/${SIM_IDS.driveDbData}/info`);
    expect(data.claimed).toBe(`${SIM_IDS.hostB}:guest:${SIM_IDS.serverDb}:block:0`);
    await control('POST', '/config', { claimWhenStopped: false });
    expect((await one(`/drives/${SIM_IDS.driveDbData}/info`)).claimed).toBeUndefined();
  });

  it('reads CRLF bodies whatever the content type', async () => {
    const answer = await call('POST', '/resources/vlan/create', 'name\tcrlf net\r\n\r\n', {
      contentType: 'application/json',
    });
    expect(answer.status).toBe(200);
    expect(objects(answer.text)[0]).toMatchObject({ type: 'vlan', name: 'crlf net' });
  });
});

describe('servers', () => {
  it('creates a server that starts at once, with a temporary address, unless configured otherwise', async () => {
    const created = objects((await call('POST', '/servers/create', newServer())).text)[0];
    expect(created).toMatchObject({
      status: 'active',
      smp: '1',
      'nic:0:dhcp': expect.stringMatching(/^198\.51\.100\./),
    });
    expect(created['vnc:ip']).toBe(created['nic:0:dhcp']);
    await control('POST', '/config', { createStarts: false, startStatus: 204 });
    const cold = objects((await call('POST', '/servers/create', newServer())).text)[0];
    expect(cold).toMatchObject({ status: 'stopped', 'nic:0:dhcp': 'auto' });
    expect((await call('POST', `/servers/${cold.server}/start`, '')).status).toBe(204);
  });

  it('shows the public address only as vnc:ip for a server created without nic:0:dhcp (jclouds shape)', async () => {
    const drive = objects((await call('POST', '/drives/create', 'name root\nsize 1G\n')).text)[0].drive;
    // jclouds' create_server.txt: a NIC model, `vnc:ip auto`, no `nic:0:dhcp` line.
    const body = `name TestServer\ncpu 2000\nsmp auto\nmem 1024\npersistent true\nboot ide:0:0\nide:0:0 ${drive}\nide:0:0:media disk\nnic:0:model e1000\nvnc:ip auto\nvnc:password XXXXXXXX\n`;
    const created = objects((await call('POST', '/servers/create', body)).text)[0];
    expect(created.status).toBe('active');
    expect(created['vnc:ip']).toMatch(/^198\.51\.100\.\d+$/);
    expect(created['nic:0:dhcp']).toBeUndefined();
    await call('POST', `/servers/${created.server}/stop`, '');
    expect(await one(`/servers/${created.server}/info`)).toMatchObject({
      status: 'stopped',
      'vnc:ip': 'auto',
    });
  });

  it('answers every input problem at once, echoing the request', async () => {
    const answer = await call(
      'POST',
      '/servers/create',
      'name x\ncpu 90000\nvnc:password toolongpw\ncolour blue\n',
    );
    expect(answer.status).toBe(400);
    const body = objects(answer.text)[0];
    expect(body).toMatchObject({
      name: 'x',
      'errors:cpu': expect.any(String),
      'errors:colour': 'Unknown key.',
    });
    expect(body['errors:vnc:password']).toBe('At most 8 characters.');
    expect(body['errors:mem']).toBe('This field is required.');
  });

  it('refuses wrong-state actions and device changes on a running server', async () => {
    const web = `/servers/${SIM_IDS.serverWeb}`;
    expect((await call('POST', `${web}/start`, '')).status).toBe(400);
    expect((await call('POST', `${web}/destroy`, '')).status).toBe(409);
    const refused = await call('POST', `${web}/set`, 'mem 4096\n');
    expect(refused.status).toBe(409);
    expect(refused.text).toMatch(/^errors:mem /m);
    expect(objects((await call('POST', `${web}/set`, 'name web-2\n')).text)[0].name).toBe('web-2');
    expect((await call('POST', `/servers/${SIM_IDS.serverDb}/stop`, '')).status).toBe(400);
  });

  it('powers off after an ACPI shutdown, or never when the guest ignores it', async () => {
    await control('POST', '/config', { shutdownMs: 50_000 });
    expect((await call('POST', `/servers/${SIM_IDS.serverWeb}/shutdown`, '')).status).toBe(204);
    expect((await one(`/servers/${SIM_IDS.serverWeb}/info`)).status).toBe('active');
    await client.until(`/servers/${SIM_IDS.serverWeb}/info`, (s) => s.status === 'stopped');
    await control('POST', '/config', { ignoreAcpi: true, shutdownMs: 0 });
    await call('POST', `/servers/${SIM_IDS.serverWeb}/start`, '');
    await call('POST', `/servers/${SIM_IDS.serverWeb}/shutdown`, '');
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect((await one(`/servers/${SIM_IDS.serverWeb}/info`)).status).toBe('active');
  });

  it('destroys a server that is not persistent when it stops, keeping its drives', async () => {
    const drive = objects((await call('POST', '/drives/create', 'name tmp\nsize 1G\n')).text)[0].drive;
    const body = `name tmp\ncpu 1000\nmem 512\nide:0:0 ${drive}\n`;
    const created = objects((await call('POST', '/servers/create', body)).text)[0];
    expect(created.persistent).toBe('false');
    await call('POST', `/servers/${created.server}/stop`, '');
    expect((await call('GET', `/servers/${created.server}/info`)).status).toBe(400);
    expect((await one(`/drives/${drive}/info`)).claimed).toBeUndefined();
  });

  it('forces raw statuses for tests, until the server is started', async () => {
    await control('POST', '/config', { serverStatus: { [SIM_IDS.serverDb]: 'dumped' } });
    expect((await one(`/servers/${SIM_IDS.serverDb}/info`)).status).toBe('dumped');
    await call('POST', `/servers/${SIM_IDS.serverDb}/start`, '');
    expect((await one(`/servers/${SIM_IDS.serverDb}/info`)).status).toBe('active');
  });
});

describe('drives', () => {
  it('images a clone in the background: queued, a percentage, then no imaging key', async () => {
    await control('POST', '/config', { imagingQueueMs: 60_000, imagingMs: 200_000 });
    const answer = await call(
      'POST',
      `/drives/${SIM_IDS.imageDebian}/clone`,
      'name boot\nuser:gwtask gwabc\n',
    );
    const clone = objects(answer.text)[0];
    expect(clone).toMatchObject({
      status: 'active',
      imaging: 'queued',
      type: 'disk',
      os: 'linux',
      'user:gwtask': 'gwabc',
    });
    expect(clone.claimed).toMatch(/:imaging$/);
    const busy = await call('POST', '/servers/create', newServer(`ide:0:0 ${clone.drive}\n`));
    expect(busy.status).toBe(409);
    const copying = await client.until(`/drives/${clone.drive}/info`, (d) => /^\d+%$/.test(d.imaging ?? ''));
    expect(copying.status).toBe('active');
    const done = await client.until(`/drives/${clone.drive}/info`, (d) => d.imaging === undefined);
    expect(done.claimed).toBeUndefined();
    expect((await call('POST', '/servers/create', newServer(`ide:0:0 ${clone.drive}\n`))).status).toBe(200);
  });

  it('shows `status imaging` while copying when so configured, and refuses a smaller clone', async () => {
    await control('POST', '/config', { imagingStatus: true, imagingMs: 100_000 });
    const clone = objects((await call('POST', `/drives/${SIM_IDS.imageUbuntu}/clone`, 'name c\n')).text)[0];
    expect(clone.status).toBe('imaging');
    const smaller = await call('POST', `/drives/${SIM_IDS.imageUbuntu}/clone`, 'name c\nsize 1G\n');
    expect(smaller.status).toBe(400);
    expect(smaller.text).toMatch(/^errors:size /m);
  });

  it('refuses to destroy an attached drive ("currently in use") and destroys it once detached', async () => {
    const attached = await call('POST', `/drives/${SIM_IDS.driveDbData}/destroy`, '');
    expect(attached.status).toBe(400);
    expect(attached.text).toMatch(/currently in use/);
    await call('POST', `/servers/${SIM_IDS.serverDb}/set`, 'block:0 \n');
    expect((await call('GET', `/drives/${SIM_IDS.driveDbData}/destroy`)).status).toBe(204);
    expect(lines((await call('GET', '/drives/list')).text)).toHaveLength(3);
  });

  it('lists every server of a shared drive in its claimed list', async () => {
    const shared = objects(
      (await call('POST', '/drives/create', 'name shared\nsize 1G\nclaim:type shared\n')).text,
    )[0].drive;
    await call('POST', `/servers/${SIM_IDS.serverDb}/set`, `block:1 ${shared}\n`);
    await call('POST', `/servers/${SIM_IDS.serverWeb}/stop`, '');
    await call('POST', `/servers/${SIM_IDS.serverWeb}/set`, `block:0 ${shared}\n`);
    expect((await one(`/drives/${shared}/info`)).claimed.split(' ')).toEqual([
      `${SIM_IDS.hostA}:guest:${SIM_IDS.serverWeb}:block:0`,
      `${SIM_IDS.hostB}:guest:${SIM_IDS.serverDb}:block:1`,
    ]);
  });

  it('creates drives of plain bytes or suffixed sizes within limits', async () => {
    const created = objects((await call('POST', '/drives/create', 'name d\nsize 12582912\n')).text)[0];
    expect(created).toMatchObject({ status: 'active', size: '12582912', 'claim:type': 'exclusive' });
    expect(created.type).toBeUndefined();
    expect((await call('POST', '/drives/create', 'name d\nsize 2T\n')).status).toBe(400);
    const exclusive = await call('POST', '/servers/create', newServer(`ide:0:0 ${SIM_IDS.driveWebRoot}\n`));
    expect(exclusive.status).toBe(400);
    expect(exclusive.text).toMatch(/currently in use/);
  });
});

describe('metadata, sizes and boot drives', () => {
  it('keeps `user:` lines of servers as sent, changes them on a running server, and clears one sent empty', async () => {
    const web = `/servers/${SIM_IDS.serverWeb}`;
    const set = await call('POST', `${web}/set`, 'user:env prod\nuser:team ""\nuser:Note two words\n');
    expect(set.status).toBe(200);
    expect(objects(set.text)[0]).toMatchObject({
      status: 'active',
      'user:env': 'prod',
      'user:team': '""',
      'user:Note': 'two words',
    });
    await call('POST', `${web}/set`, 'user:env \n');
    const after = await one(`${web}/info`);
    expect(after['user:env']).toBeUndefined();
    expect(after['user:team']).toBe('""');
    const created = objects((await call('POST', '/servers/create', newServer('user:env dev\n'))).text)[0];
    expect(created['user:env']).toBe('dev');
    // 1.0 has no user-data key: an unknown key, as any other.
    const userData = await call(
      'POST',
      '/servers/create',
      newServer('cloudinit-user-data I2Nsb3VkLWNvbmZpZw==\n'),
    );
    expect(userData.status).toBe(400);
    expect(userData.text).toMatch(/^errors:cloudinit-user-data Unknown key\./m);
  });

  it('keeps `user:` lines of drives from create, clone and set', async () => {
    const created = objects(
      (await call('POST', '/drives/create', 'name d\nsize 1G\nuser:env prod\n')).text,
    )[0];
    expect(created['user:env']).toBe('prod');
    const set = objects(
      (await call('POST', `/drives/${created.drive}/set`, 'user:env \nuser:tier gold\n')).text,
    )[0];
    expect(set['user:env']).toBeUndefined();
    expect(set['user:tier']).toBe('gold');
    expect(set.name).toBe('d');
    await control('POST', '/config', { imagingMs: 0, imagingQueueMs: 0 });
    const clone = objects(
      (await call('POST', `/drives/${SIM_IDS.imageDebian}/clone`, 'name c\nuser:env qa\n')).text,
    )[0];
    expect(clone['user:env']).toBe('qa');
  });

  it('takes no metadata on VLANs: `set` renames only', async () => {
    const answer = await call('POST', `/resources/vlan/${SIM_IDS.vlan}/set`, 'name x\nuser:env prod\n');
    expect(answer.status).toBe(400);
    expect(answer.text).toMatch(/^errors:user:env Unknown key\./m);
  });

  it('grows a drive by `set size`, never shrinks it, and waits for its running server to stop', async () => {
    const scratch = `/drives/${SIM_IDS.driveScratch}`;
    const size = Number((await one(`${scratch}/info`)).size);
    const grown = await call('POST', `${scratch}/set`, `size ${size * 2}\n`);
    expect(objects(grown.text)[0].size).toBe(String(size * 2));
    const smaller = await call('POST', `${scratch}/set`, `size ${size}\n`);
    expect(smaller.status).toBe(400);
    expect(smaller.text).toMatch(/^errors:size /m);
    // The web server runs with its root drive: a new size waits until it stops.
    const root = `/drives/${SIM_IDS.driveWebRoot}`;
    const rootSize = Number((await one(`${root}/info`)).size);
    const busy = await call('POST', `${root}/set`, `size ${rootSize * 2}\n`);
    expect(busy.status).toBe(409);
    expect(busy.text).toMatch(/^errors:size .*stop it to resize/m);
    expect((await call('POST', `${root}/set`, 'user:env prod\n')).status).toBe(200);
    await call('POST', `/servers/${SIM_IDS.serverWeb}/stop`, '');
    expect((await call('POST', `${root}/set`, `size ${rootSize * 2}\n`)).status).toBe(200);
    await call('POST', `/servers/${SIM_IDS.serverWeb}/start`, '');
    await control('POST', '/config', { resizeWhileRunning: true });
    expect((await call('POST', `${root}/set`, `size ${rootSize * 3}\n`)).status).toBe(200);
  });

  it('changes cpu, smp and mem on a stopped server only', async () => {
    const body = 'cpu 4000\nsmp 2\nmem 4096\n';
    expect((await call('POST', `/servers/${SIM_IDS.serverWeb}/set`, body)).status).toBe(409);
    const resized = objects((await call('POST', `/servers/${SIM_IDS.serverDb}/set`, body)).text)[0];
    expect(resized).toMatchObject({ status: 'stopped', cpu: '4000', smp: '2', mem: '4096' });
    const tooFast = await call('POST', `/servers/${SIM_IDS.serverDb}/set`, 'cpu 9000\nsmp 2\n');
    expect(tooFast.status).toBe(400);
  });

  it('swaps the boot drive of a stopped server for a fresh clone; the old one can then go', async () => {
    await control('POST', '/config', { imagingMs: 0, imagingQueueMs: 0 });
    const clone = objects(
      (await call('POST', `/drives/${SIM_IDS.imageDebian}/clone`, 'name new-root\n')).text,
    )[0].drive;
    const db = `/servers/${SIM_IDS.serverDb}`;
    const before = await one(`${db}/info`);
    const swapped = objects(
      (await call('POST', `${db}/set`, `ide:0:0 ${clone}\nide:0:0:media disk\n`)).text,
    )[0];
    expect(swapped).toMatchObject({ server: SIM_IDS.serverDb, 'ide:0:0': clone, name: before.name });
    expect((await call('POST', `/drives/${SIM_IDS.driveDbRoot}/destroy`, '')).status).toBe(204);
    expect((await call('POST', `${db}/start`, '')).status).toBe(200);
  });
});

describe('static IPs and VLANs', () => {
  it('creates an IP, refuses to destroy one a server holds, and destroys a free one', async () => {
    const created = objects((await call('POST', '/resources/ip/create', '')).text);
    expect(created).toEqual([
      expect.objectContaining({ resource: '192.0.2.22', type: 'ip', netmask: '255.255.255.0' }),
    ]);
    expect((await call('GET', `/resources/ip/${SIM_IDS.ipWeb}/destroy`)).status).toBe(400);
    expect((await call('GET', '/resources/ip/192.0.2.22/destroy')).status).toBe(204);
    await control('POST', '/config', { ipCreateReturnsAll: true });
    expect(objects((await call('GET', '/resources/ip/create')).text)).toHaveLength(3);
  });

  it('answers a create with several new addresses when so configured (libcloud shape), all of them held', async () => {
    await control('POST', '/config', { ipCreateCount: 2 });
    const created = objects((await call('POST', '/resources/ip/create', '')).text);
    expect(created.map((o) => o.resource)).toEqual(['192.0.2.22', '192.0.2.23']);
    expect(created.every((o) => o.type === 'ip')).toBe(true);
    expect(lines((await call('GET', '/resources/ip/list')).text)).toEqual([
      'ip 192.0.2.20',
      'ip 192.0.2.21',
      'ip 192.0.2.22',
      'ip 192.0.2.23',
    ]);
    await expect(control('POST', '/config', { ipCreateCount: 0 })).rejects.toThrow(/400/);
  });

  it('gives a stopped server a static IP through nic:0:dhcp, and no second server the same one', async () => {
    const db = `/servers/${SIM_IDS.serverDb}`;
    const set = objects((await call('POST', `${db}/set`, `nic:0:dhcp ${SIM_IDS.ipFree}\n`)).text)[0];
    expect(set['nic:0:dhcp']).toBe(SIM_IDS.ipFree);
    await call('POST', `${db}/start`, '');
    expect(await one(`${db}/info`)).toMatchObject({ 'nic:0:dhcp': SIM_IDS.ipFree, 'vnc:ip': SIM_IDS.ipFree });
    const taken = await call(
      'POST',
      '/servers/create',
      newServer().replace('dhcp auto', `dhcp ${SIM_IDS.ipWeb}`),
    );
    expect(taken.status).toBe(400);
  });

  it('creates, renames and destroys VLANs; one with a NIC on it is in use', async () => {
    const vlan = objects((await call('POST', '/resources/vlan/create', 'name lab\n')).text)[0];
    expect(vlan).toMatchObject({ type: 'vlan', name: 'lab', user: SIM_IDS.account });
    const renamed = objects(
      (await call('POST', `/resources/vlan/${vlan.resource}/set`, 'name lab 2\n')).text,
    )[0];
    expect(renamed.name).toBe('lab 2');
    expect((await call('GET', `/resources/vlan/${vlan.resource}/destroy`)).status).toBe(204);
    expect((await call('GET', `/resources/vlan/${SIM_IDS.vlan}/destroy`)).text).toMatch(/currently in use/);
  });

  it('counts resources in /__sim/state and restores the seed on reset', async () => {
    await call('POST', '/resources/ip/create', '');
    expect(await control('GET', '/state')).toMatchObject({
      counts: { servers: 2, drives: 4, ips: 3, vlans: 1 },
    });
    await control('POST', '/reset');
    expect(await control('GET', '/state')).toMatchObject({ counts: { ips: 2 } });
  });
});
