import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCertificateAuthority, issueCertificate } from './imco-sim.certs';
import { SEED_IDS, planId, storagePlanId } from './imco-sim.seed';
import {
  type Fields,
  ImcoSimTestClient,
  item,
  rows,
} from '../../../test/support/simulators/imco-sim.test-client';
import { type ImcoSimulatorHandle, imcoSimulator, startImcoSimulator } from './imco.simulator';

// Exercises the simulator over real mutual TLS, as an IMCO client (IMCO's CLI) would.

let sim: ImcoSimulatorHandle;
let dataDir: string;
const client = new ImcoSimTestClient(() => sim);
const call = (method: string, path: string, body?: unknown) => client.call(method, path, body);

const newServer = {
  name: 'app-1',
  template_id: SEED_IDS.templateUbuntu,
  server_plan_id: planId(SEED_IDS.realmAlphaEu, '01'),
  cloud_account_id: SEED_IDS.accountAlpha,
  ssh_profile_id: SEED_IDS.sshDefault,
};

async function commissioned(body: Fields = newServer): Promise<string> {
  const created = await call('POST', '/cloud/servers', body);
  expect(created.status).toBe(201);
  const id = String(item(created).id);
  await client.until(`/cloud/servers/${id}`, (s) => s.state === 'inactive');
  return id;
}

async function operational(): Promise<string> {
  const id = await commissioned();
  expect((await call('PUT', `/cloud/servers/${id}/boot`, {})).status).toBe(200);
  await client.until(`/cloud/servers/${id}`, (s) => s.state === 'operational');
  return id;
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'imco-sim-'));
  sim = await startImcoSimulator({ host: '127.0.0.1', port: 0, speed: 200, dataDir });
});

afterAll(async () => {
  await sim.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

beforeEach(async () => {
  expect((await client.control('POST', '/reset')).status).toBe(200);
});

describe('imco simulator: definition, certificates and mutual TLS', () => {
  it('starts with a connection block naming the PEM files, and keeps its CA across restarts', async () => {
    const handle = await imcoSimulator.start({ host: '127.0.0.1', port: 0, speed: 200, dataDir });
    try {
      expect(handle.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(handle.connection).toEqual({
        kind: 'imco',
        endpoint: expect.stringMatching(/^https:\/\/127\.0\.0\.1:\d+\/v3$/),
        tls: {
          certFile: join(dataDir, 'cert.crt'),
          keyFile: join(dataDir, 'private', 'cert.key'),
          caFile: join(dataDir, 'ca_cert.pem'),
        },
      });
      expect(readFileSync(join(dataDir, 'ca_cert.pem'), 'utf8')).toBe(sim.pki.ca.certPem);
      expect(readFileSync(join(dataDir, 'private', 'cert.key'), 'utf8')).toContain('BEGIN PRIVATE KEY');
    } finally {
      await handle.stop();
    }
  });

  it('answers a client holding a certificate of its CA', async () => {
    const ping = await call('GET', '/ping');
    expect(ping.status).toBe(200);
    expect(ping.body).toEqual({ pong: true, api_version: 'v3' });
  });

  it('refuses the TLS handshake without a client certificate', async () => {
    await expect(
      client.call('GET', '/ping', undefined, client.identity({ cert: undefined, key: undefined })),
    ).rejects.toMatchObject({ code: 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED' });
  });

  it('refuses a client certificate signed by another CA, and is not trusted by another CA', async () => {
    const other = await createCertificateAuthority('Somebody Else');
    const stranger = await issueCertificate(other, { commonName: 'mallory', usage: 'client' });
    await expect(
      client.call(
        'GET',
        '/ping',
        undefined,
        client.identity({ cert: stranger.certPem, key: stranger.keyPem }),
      ),
    ).rejects.toMatchObject({ code: expect.stringMatching(/ECONNRESET|ERR_SSL/) });
    await expect(
      client.call('GET', '/ping', undefined, client.identity({ ca: other.certPem })),
    ).rejects.toMatchObject({
      code: expect.stringMatching(/SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE/),
    });
  });

  it('serves the control API over plain HTTP and counts API calls', async () => {
    await call('GET', '/cloud/servers');
    const stats = await client.control('GET', '/stats');
    expect((stats.body as { requests: Record<string, number> }).requests).toEqual({
      'GET /v3/cloud/servers': 1,
    });
    const api = await fetch(`${sim.url}/v3/cloud/servers`);
    expect(api.status).toBe(404);
  });
});

describe('imco simulator: wire format', () => {
  it('lists bare arrays of flat snake_case objects, with the v3 additions only under /v3', async () => {
    const v3 = await call('GET', '/cloud/servers');
    expect(Array.isArray(v3.body)).toBe(true);
    expect(rows(v3)[0]).toMatchObject({
      id: SEED_IDS.server,
      state: 'operational',
      resource_type: 'server',
      ssh_profile_id: SEED_IDS.sshDefault,
      ssh_profile_ids: [SEED_IDS.sshDefault],
      brownfield_state: 'Pure',
    });
    const v2 = await call('GET', '/v2/cloud/servers');
    expect(rows(v2)[0].ssh_profile_ids).toBeUndefined();
    expect(rows(v2)[0].brownfield_state).toBeUndefined();
    const accounts = await call('GET', '/v2/settings/cloud_accounts');
    expect(rows(accounts)[0]).toHaveProperty('last_discovered_at');
    expect(rows(accounts)[0]).not.toHaveProperty('state');
  });

  it('answers unknown ids with 404 {"error"} and invalid bodies with 422 {"errors": {field: [...]}}', async () => {
    const missing = await call('GET', '/cloud/servers/0123456789abcdef01234567');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ error: expect.stringContaining('0123456789abcdef01234567') });
    const invalid = await call('POST', '/cloud/servers', { template_id: SEED_IDS.templateUbuntu });
    expect(invalid.status).toBe(422);
    expect(invalid.body).toEqual({ errors: { name: ["can't be blank"] } });
    const mismatch = await call('POST', '/cloud/servers', {
      ...newServer,
      cloud_account_id: SEED_IDS.accountBeta,
    });
    expect(mismatch.body).toEqual({ errors: { server_plan_id: [expect.stringContaining('provider')] } });
    const empty = await client.call('POST', '/cloud/servers', undefined);
    expect(empty.body).toEqual({ errors: { name: ["can't be blank"] } });
  });

  it('requires realm_id on v3 server plan lists and not on v2', async () => {
    const v3 = await call('GET', `/cloud/cloud_providers/${SEED_IDS.providerAlpha}/server_plans`);
    expect(v3.status).toBe(422);
    const inRealm = await call(
      'GET',
      `/cloud/cloud_providers/${SEED_IDS.providerAlpha}/server_plans?realm_id=${SEED_IDS.realmAlphaUs}`,
    );
    expect(rows(inRealm).map((p) => p.realm_id)).toEqual([
      SEED_IDS.realmAlphaUs,
      SEED_IDS.realmAlphaUs,
      SEED_IDS.realmAlphaUs,
    ]);
    const v2 = await call('GET', `/v2/cloud/cloud_providers/${SEED_IDS.providerAlpha}/server_plans`);
    expect(rows(v2)).toHaveLength(6);
  });

  it('uses the injected error body styles and the configured create status', async () => {
    await client.control('POST', '/faults', { action: 'error', status: 503, path: '/ping$', count: 1 });
    const json = await call('GET', '/ping');
    expect(json).toMatchObject({ status: 503, body: { error: 'Injected failure' } });
    await client.control('POST', '/config', { errorBodyStyle: 'text', createStatus: 200 });
    await client.control('POST', '/faults', { action: 'error', status: 500, path: '/ping$', count: 1 });
    const text = await call('GET', '/ping');
    expect(text).toMatchObject({
      status: 500,
      text: 'Injected failure',
      contentType: expect.stringContaining('text/plain'),
    });
    expect((await call('POST', '/labels', { name: 'x' })).status).toBe(200);
    expect((await client.control('POST', '/config', { createStatus: 202 })).status).toBe(400);
  });
});

describe('imco simulator: server state machine', () => {
  it('commissions, boots, reboots, shuts down and decommissions a server until it is gone', async () => {
    const created = await call('POST', '/cloud/servers', newServer);
    expect(item(created)).toMatchObject({
      state: 'commissioning',
      firewall_profile_id: SEED_IDS.firewallDefault,
      private_ip: null,
    });
    const id = String(item(created).id);
    expect(id).toMatch(/^[0-9a-f]{24}$/);
    const inactive = await client.until(`/cloud/servers/${id}`, (s) => s.state === 'inactive');
    expect(inactive!.private_ip).toEqual(expect.any(String));

    expect(item(await call('PUT', `/cloud/servers/${id}/boot`, { id }))).toMatchObject({ state: 'booting' });
    const running = await client.until(`/cloud/servers/${id}`, (s) => s.state === 'operational');
    expect(running!.public_ip).toMatch(/^100\.64\./);

    expect(item(await call('PUT', `/cloud/servers/${id}/reboot`, {}))).toMatchObject({ state: 'booting' });
    await client.until(`/cloud/servers/${id}`, (s) => s.state === 'operational');
    expect(item(await call('PUT', `/cloud/servers/${id}/shutdown`, {}))).toMatchObject({
      state: 'shutting_down',
    });
    await client.until(`/cloud/servers/${id}`, (s) => s.state === 'inactive');

    const deleted = await call('DELETE', `/cloud/servers/${id}`);
    expect(deleted).toMatchObject({ status: 200, body: { id, state: 'decommissioning' } });
    expect(await client.until(`/cloud/servers/${id}`, () => false)).toBeNull();
    expect((await call('GET', `/cloud/servers/${id}/events`)).status).toBe(404);
    expect(rows(await call('GET', '/audit/events'))[0].header).toBe('Server app-1 decommissioned');
  });

  it('refuses a wrong-state action in either configured style', async () => {
    const refused = await call('PUT', `/cloud/servers/${SEED_IDS.server}/boot`, {});
    expect(refused.status).toBe(422);
    expect(refused.body).toEqual({ errors: { state: ['cannot transition via "boot" from "operational"'] } });
    expect((await call('DELETE', `/cloud/servers/${SEED_IDS.server}`)).status).toBe(422);
    await client.control('POST', '/config', { wrongStateStyle: 'error-409' });
    const conflict = await call('PUT', `/cloud/servers/${SEED_IDS.server}/override`, {});
    expect(conflict.status).toBe(409);
    expect(conflict.body).toEqual({ error: expect.stringContaining('stalled') });
  });

  it('stalls a failed boot with an error event, and override makes it operational', async () => {
    const id = await commissioned();
    await client.control('POST', '/config', { failNext: { 'servers.boot': 1 } });
    await call('PUT', `/cloud/servers/${id}/boot`, {});
    await client.until(`/cloud/servers/${id}`, (s) => s.state === 'stalled');
    const events = rows(await call('GET', `/cloud/servers/${id}/events`));
    expect(events[0]).toMatchObject({ level: 'error', resource_type: 'event' });
    expect(Date.parse(String(events[0].timestamp))).toBeGreaterThanOrEqual(
      Date.parse(String(events[1].timestamp)),
    );
    expect(item(await call('PUT', `/cloud/servers/${id}/override`, {}))).toMatchObject({
      state: 'operational',
    });
  });

  it('stalls a failed commissioning as commission_stalled, which may be deleted', async () => {
    await client.control('POST', '/config', { failNext: { 'servers.commission': 1 } });
    const id = String(item(await call('POST', '/cloud/servers', newServer)).id);
    await client.until(`/cloud/servers/${id}`, (s) => s.state === 'commission_stalled');
    await client.control('POST', '/config', { serverDeleteBody: 'empty' });
    expect((await call('DELETE', `/cloud/servers/${id}`)).status).toBe(204);
  });

  it('keeps a reboot operational throughout in the other reboot style, and renames at once', async () => {
    const id = await operational();
    await client.control('POST', '/config', { rebootStyle: 'operational' });
    expect(item(await call('PUT', `/cloud/servers/${id}/reboot`, {}))).toMatchObject({
      state: 'operational',
    });
    expect(item(await call('PUT', `/cloud/servers/${id}`, { name: 'renamed' }))).toMatchObject({
      name: 'renamed',
    });
  });

  it('shows any raw state put through setStates, and reset restores the seed', async () => {
    await client.control('POST', '/config', { setStates: { servers: { [SEED_IDS.server]: 'hibernating' } } });
    expect(item(await call('GET', `/cloud/servers/${SEED_IDS.server}`)).state).toBe('hibernating');
    await client.control('POST', '/reset');
    expect(item(await call('GET', `/cloud/servers/${SEED_IDS.server}`)).state).toBe('operational');
    const described = await client.control('GET', '/state');
    expect(described.body).toMatchObject({ counts: { servers: 1, volumes: 1, vpcs: 1, floating_ips: 1 } });
  });
});

describe('imco simulator: volumes, VPCs, floating IPs, labels and templates', () => {
  it('creates, attaches, detaches, refuses deleting attached, and discards a volume', async () => {
    const server = await operational();
    const bad = await call('POST', '/storage/volumes', {
      name: 'v',
      size: 5000,
      cloud_account_id: SEED_IDS.accountAlpha,
      storage_plan_id: storagePlanId(SEED_IDS.realmAlphaEu, '01'),
    });
    expect(bad.body).toEqual({ errors: { size: ['must be between 1 and 2048'] } });
    const created = await call('POST', '/storage/volumes', {
      name: 'data',
      size: 20,
      cloud_account_id: SEED_IDS.accountAlpha,
      storage_plan_id: storagePlanId(SEED_IDS.realmAlphaEu, '01'),
    });
    expect(item(created)).toMatchObject({ state: 'commissioning', realm_id: SEED_IDS.realmAlphaEu });
    const id = String(item(created).id);
    await client.until(`/storage/volumes/${id}`, (v) => v.state === 'detached');
    const attach = await call('POST', `/storage/volumes/${id}/attached_server`, {
      attached_server_id: server,
    });
    expect(item(attach)).toMatchObject({ id: server, resource_type: 'server' });
    await client.until(`/storage/volumes/${id}`, (v) => v.state === 'attached');
    expect(rows(await call('GET', `/storage/volumes?server_id=${server}`)).map((v) => v.id)).toEqual([id]);
    expect((await call('DELETE', `/storage/volumes/${id}`)).body).toEqual({
      errors: { base: [expect.any(String)] },
    });
    expect((await call('DELETE', `/storage/volumes/${id}/attached_server`)).status).toBe(204);
    await client.until(
      `/storage/volumes/${id}`,
      (v) => v.state === 'detached' && v.attached_server_id === null,
    );
    expect((await call('DELETE', `/storage/volumes/${id}/discard`)).status).toBe(204);
    expect((await call('GET', `/storage/volumes/${id}`)).status).toBe(404);
  });

  it('creates a VPC and subnet, places a server in it, and refuses to delete the VPC while it is used', async () => {
    const vpc = item(
      await call('POST', '/network/vpcs', {
        name: 'net',
        cidr: '10.50.0.0/16',
        cloud_account_id: SEED_IDS.accountAlpha,
        realm_provider_name: 'eu-central-sim',
      }),
    );
    await client.until(`/network/vpcs/${String(vpc.id)}`, (v) => v.state === 'active');
    const outside = await call('POST', `/network/vpcs/${String(vpc.id)}/subnets`, {
      name: 's',
      cidr: '10.60.0.0/24',
      type: 'only_private',
    });
    expect(outside.status).toBe(422);
    const subnet = item(
      await call('POST', `/network/vpcs/${String(vpc.id)}/subnets`, {
        name: 's',
        cidr: '10.50.3.0/24',
        type: 'only_private',
      }),
    );
    await client.until(`/network/subnets/${String(subnet.id)}`, (s) => s.state === 'active');
    const server = await commissioned({ ...newServer, subnet_id: subnet.id });
    expect(item(await call('GET', `/cloud/servers/${server}`))).toMatchObject({
      vpc_id: vpc.id,
      private_ip: '10.50.3.10',
    });
    expect((await call('DELETE', `/network/vpcs/${String(vpc.id)}`)).status).toBe(422);
    await call('DELETE', `/cloud/servers/${server}`);
    await client.until(`/cloud/servers/${server}`, () => false);
    expect((await call('DELETE', `/network/vpcs/${String(vpc.id)}`)).status).toBe(204);
    expect(await client.until(`/network/vpcs/${String(vpc.id)}`, () => false)).toBeNull();
    expect((await call('GET', `/network/subnets/${String(subnet.id)}`)).status).toBe(404);
  });

  it('allocates, attaches, detaches and releases a floating IP', async () => {
    const server = await operational();
    const ip = item(
      await call('POST', '/network/floating_ips', {
        name: 'ip',
        cloud_account_id: SEED_IDS.accountAlpha,
        realm_id: SEED_IDS.realmAlphaEu,
      }),
    );
    expect(ip.address).toMatch(/^198\.51\.100\./);
    const id = String(ip.id);
    await client.until(`/network/floating_ips/${id}`, (f) => f.state === 'detached');
    await call('POST', `/network/floating_ips/${id}/attached_server`, { attached_server_id: server });
    await client.until(`/network/floating_ips/${id}`, (f) => f.state === 'attached');
    expect(rows(await call('GET', `/cloud/servers/${server}/floating_ips`)).map((f) => f.id)).toEqual([id]);
    expect((await call('DELETE', `/network/floating_ips/${id}`)).status).toBe(422);
    await call('DELETE', `/network/floating_ips/${id}/attached_server`);
    await client.until(`/network/floating_ips/${id}`, (f) => f.state === 'detached');
    expect((await call('DELETE', `/network/floating_ips/${id}`)).status).toBe(204);
    expect(await client.until(`/network/floating_ips/${id}`, () => false)).toBeNull();
  });

  it('creates unique labels, tags and untags resources, and takes label_ids on creates', async () => {
    const label = item(await call('POST', '/labels', { name: 'gw-test' }));
    expect((await call('POST', '/labels', { name: 'gw-test' })).body).toEqual({
      errors: { name: ['has already been taken'] },
    });
    const tagged = await call('POST', `/labels/${String(label.id)}/resources`, {
      resources: [{ id: SEED_IDS.server, resource_type: 'server' }],
    });
    expect(tagged.body).toEqual([{ id: SEED_IDS.server, resource_type: 'server' }]);
    expect(item(await call('GET', `/cloud/servers/${SEED_IDS.server}`)).label_ids).toContain(label.id);
    expect(
      (await call('DELETE', `/labels/${String(label.id)}/resources/server/${SEED_IDS.server}`)).status,
    ).toBe(204);
    expect(item(await call('GET', `/cloud/servers/${SEED_IDS.server}`)).label_ids).not.toContain(label.id);
    const server = item(await call('POST', '/cloud/servers', { ...newServer, label_ids: [label.id] }));
    expect(server.label_ids).toEqual([label.id]);
  });

  it("takes label names of the CLI's characters only, unique among the user's labels", async () => {
    for (const name of ['env=prod', 'owner a@b', 'x:y', 'a/b', 'x'.repeat(1_025)])
      expect((await call('POST', '/labels', { name })).body).toEqual({ errors: { name: ['is invalid'] } });
    expect((await call('POST', '/labels', { name: 'env prod_c 1.2-x' })).status).toBe(201);
    // IMCO's own labels (a CAT deployment's) are namespaced and apart: a user label of the same name is new.
    const labels = rows(await call('GET', '/labels'));
    expect(labels).toContainEqual(
      expect.objectContaining({
        id: SEED_IDS.labelDeployment,
        name: 'web-stack',
        namespace: 'cat:deployment',
      }),
    );
    expect((await call('POST', '/labels', { name: 'web-stack' })).status).toBe(201);
    expect(item(await call('GET', `/cloud/servers/${SEED_IDS.server}`)).label_ids).toEqual([
      SEED_IDS.labelProduction,
      SEED_IDS.labelDeployment,
    ]);
  });

  it('tags every labelled type once however often asked, and untags a label the resource lacks quietly', async () => {
    const label = item(await call('POST', '/labels', { name: 'tier web' }));
    const profile = item(
      await call('POST', '/cloud/ssh_profiles', {
        name: 'tagged',
        public_key: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOtherKey000 me@host',
        label_ids: [label.id],
      }),
    );
    expect(profile.label_ids).toEqual([label.id]);
    const targets = [
      ['server', SEED_IDS.server, '/cloud/servers'],
      ['volume', SEED_IDS.volume, '/storage/volumes'],
      ['vpc', SEED_IDS.vpc, '/network/vpcs'],
      ['floating_ip', SEED_IDS.floatingIp, '/network/floating_ips'],
    ];
    for (const [type, id, path] of targets) {
      for (let i = 0; i < 2; i++)
        expect(
          (
            await call('POST', `/labels/${String(label.id)}/resources`, {
              resources: [{ id, resource_type: type }],
            })
          ).status,
        ).toBe(200);
      const carried = item(await call('GET', `${path}/${id}`)).label_ids as string[];
      expect(carried.filter((l) => l === label.id)).toHaveLength(1);
      for (let i = 0; i < 2; i++)
        expect((await call('DELETE', `/labels/${String(label.id)}/resources/${type}/${id}`)).status).toBe(
          204,
        );
    }
    expect(
      (
        await call('POST', `/labels/${String(label.id)}/resources`, {
          resources: [{ id: SEED_IDS.server, resource_type: 'servers' }],
        })
      ).status,
    ).toBe(422);
    expect(
      (await call('DELETE', `/labels/${String(label.id)}/resources/server/64ffffffffffffffffffffff`)).status,
    ).toBe(404);
  });

  it('makes templates in created, keeping cookbook_versions as sent; a server needs a ready one', async () => {
    const cookbooks = { nginx: { version: '12.2.0' }, app: { version_id: '64a60000000000000000c0c0' } };
    // At real speed, so that the compilation (3 s) outlasts the next request even on a loaded machine.
    const slow = await startImcoSimulator({ host: '127.0.0.1', port: 0, speed: 1, dataDir });
    const slowClient = new ImcoSimTestClient(() => slow);
    try {
      const made = await slowClient.call('POST', '/blueprint/templates', {
        name: 'Windows',
        generic_image_id: SEED_IDS.imageWindows,
        run_list: ['recipe[nginx]'],
        cookbook_versions: cookbooks,
      });
      const template = item(made);
      expect(template).toMatchObject({
        state: 'created',
        generic_image_id: SEED_IDS.imageWindows,
        cookbook_versions: cookbooks,
        resource_type: 'template',
      });
      const id = String(template.id);
      const server = { ...newServer, template_id: id };
      const notCompiled = await slowClient.call('POST', '/cloud/servers', server);
      expect(notCompiled.status).toBe(422);
      expect(notCompiled.body).toEqual({ errors: { template_id: ['is not ready (created)'] } });
      const compiling = await slowClient.call('PUT', `/blueprint/templates/${id}/compile`, {});
      expect(item(compiling)).toMatchObject({ id, state: 'compiling', cookbook_versions: cookbooks });
      expect((await slowClient.call('POST', '/cloud/servers', server)).body).toEqual({
        errors: { template_id: ['is not ready (compiling)'] },
      });
      // A second compile while one runs is a refused transition, like any other.
      expect((await slowClient.call('PUT', `/blueprint/templates/${id}/compile`, {})).status).toBe(422);
    } finally {
      await slow.stop();
    }
  });

  it('compiles created → compiling → ready, after which a server can be made from the template', async () => {
    const template = item(
      await call('POST', '/blueprint/templates', { name: 'W', generic_image_id: SEED_IDS.imageWindows }),
    );
    const id = String(template.id);
    await call('PUT', `/blueprint/templates/${id}/compile`, {});
    await client.until(`/blueprint/templates/${id}`, (t) => t.state === 'ready');
    const server = await call('POST', '/cloud/servers', { ...newServer, template_id: id });
    expect(server.status).toBe(201);
    expect((await call('GET', `/v2/blueprint/templates/${id}`)).body).toMatchObject({ state: 'ready' });
  });

  it('ends a compile in compiling_error when told to through /__sim/config failNext, and compiles again', async () => {
    expect((await client.control('POST', '/config', { failNext: { 'templates.compile': 1 } })).status).toBe(
      200,
    );
    expect((await client.control('GET', '/state')).body).toMatchObject({
      config: { failNext: { 'templates.compile': 1 } },
    });
    const id = String(
      item(await call('POST', '/blueprint/templates', { name: 'W', generic_image_id: SEED_IDS.imageWindows }))
        .id,
    );
    await call('PUT', `/blueprint/templates/${id}/compile`, {});
    await client.until(`/blueprint/templates/${id}`, (t) => t.state === 'compiling_error');
    expect((await call('POST', '/cloud/servers', { ...newServer, template_id: id })).body).toEqual({
      errors: { template_id: ['is not ready (compiling_error)'] },
    });
    expect(rows(await call('GET', '/audit/events'))[0]).toMatchObject({ level: 'error' });
    expect(item(await call('PUT', `/blueprint/templates/${id}/compile`, {})).state).toBe('compiling');
    await client.until(`/blueprint/templates/${id}`, (t) => t.state === 'ready');
  });

  it('seeds ready templates with cookbook_versions as a hash, and refuses other shapes', async () => {
    const seeded = rows(await call('GET', '/blueprint/templates'));
    expect(seeded.map((t) => t.state)).toEqual(['ready', 'ready']);
    expect(seeded.find((t) => t.id === SEED_IDS.templateDebianWeb)!.cookbook_versions).toEqual({
      nginx: { version: '12.2.0' },
    });
    for (const cookbook_versions of [[{ name: 'nginx', version: '1' }], 'nginx:1', { nginx: '1' }]) {
      const refused = await call('POST', '/blueprint/templates', {
        name: 'x',
        generic_image_id: SEED_IDS.imageWindows,
        cookbook_versions,
      });
      expect(refused.status).toBe(422);
      expect(refused.body).toEqual({ errors: { cookbook_versions: [expect.any(String)] } });
    }
  });

  it('answers server arrays with an empty list under v3 and v2', async () => {
    for (const path of ['/cloud/server_arrays', '/v2/cloud/server_arrays']) {
      const answer = await call('GET', path);
      expect(answer).toMatchObject({ status: 200, body: [] });
    }
  });

  it('deletes an SSH profile no server uses, and refuses one a server uses', async () => {
    const profile = item(
      await call('POST', '/cloud/ssh_profiles', {
        name: 'spare',
        public_key: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOtherKey000 me@host',
      }),
    );
    expect((await call('DELETE', `/cloud/ssh_profiles/${SEED_IDS.sshDefault}`)).body).toEqual({
      errors: { base: ['The SSH profile is used by a server'] },
    });
    expect((await call('DELETE', `/cloud/ssh_profiles/${String(profile.id)}`)).status).toBe(204);
    expect((await call('GET', `/cloud/ssh_profiles/${String(profile.id)}`)).status).toBe(404);
  });

  it('keeps SSH profiles without private keys and lists events newest first', async () => {
    const profile = await call('POST', '/cloud/ssh_profiles', {
      name: 'k',
      public_key: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOtherKey000 me@host',
      private_key: 'secret',
    });
    expect(item(profile)).not.toHaveProperty('private_key');
    expect((await call('POST', '/cloud/ssh_profiles', { name: 'bad', public_key: 'nope' })).status).toBe(422);
    await call('POST', '/cloud/servers', newServer);
    const events = rows(await call('GET', '/audit/events'));
    expect(events[0].header).toContain('commissioning');
    expect(rows(await call('GET', '/audit/system_events'))).toHaveLength(1);
  });
});
