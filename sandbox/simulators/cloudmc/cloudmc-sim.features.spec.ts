import { createHash, generateKeyPairSync } from 'node:crypto';
import { SEED_IDS, SEED_SSH_KEY } from './cloudmc-sim.seed';
import { SimTestClient, item, rows, svc } from '../../../test/support/simulators/cloudmc-sim.test-client';
import { type CloudmcSimulatorHandle, startCloudmcSimulator } from './cloudmc.simulator';

// SSH keys, user data, changeComputeOffering and volume resize, over real HTTP (see the simulator's header).

let sim: CloudmcSimulatorHandle;

const client = new SimTestClient(() => sim);
const call = (method: string, path: string, body?: unknown) =>
  client.call(method, path.startsWith('/__sim') ? path : svc(path), body);
const mutate = (method: string, path: string, body?: unknown) => client.mutate(method, svc(path), body);
const firstError = async (method: string, path: string, body?: unknown) => {
  const { status, body: answer } = await call(method, path, body);
  return { status, ...answer.errors[0] };
};

/** A fresh OpenSSH ed25519 public key line, and the fingerprint CloudStack shows for it (MD5, colon hex). */
function newKey(comment = 'me@test'): { publicKey: string; md5: string } {
  const raw = Buffer.from(generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }).x!, 'base64url');
  const part = (bytes: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, bytes.length]), bytes]);
  const blob = Buffer.concat([part(Buffer.from('ssh-ed25519')), part(raw)]);
  const md5 = createHash('md5').update(blob).digest('hex').match(/../g)!.join(':');
  return { publicKey: `ssh-ed25519 ${blob.toString('base64')} ${comment}`, md5 };
}

const newInstance = (extra: Record<string, unknown> = {}) => ({
  name: 'feat-1',
  templateId: SEED_IDS.templateDebian,
  computeOfferingId: SEED_IDS.offeringSmall,
  networkId: SEED_IDS.network,
  ...extra,
});

beforeAll(async () => {
  sim = await startCloudmcSimulator({ host: '127.0.0.1', port: 0, speed: 200, apiKey: 'test-key' });
});

afterAll(async () => {
  await sim.stop();
});

beforeEach(async () => {
  await call('POST', '/__sim/reset');
});

describe('SSH keys', () => {
  it('lists and reads keys by name with their fingerprint, never the public key', async () => {
    const listed = rows((await call('GET', 'sshkeys')).body);
    expect(listed).toEqual([
      { name: SEED_SSH_KEY, fingerprint: expect.stringMatching(/^([0-9a-f]{2}:){15}[0-9a-f]{2}$/) },
    ]);
    expect(item((await call('GET', `sshkeys/${SEED_SSH_KEY}`)).body)).toEqual(listed[0]);
    expect((await firstError('GET', 'sshkeys/nobody')).status).toBe(404);
  });

  it('registers a key as a task, with the MD5 fingerprint of its blob, and deletes it by name', async () => {
    const key = newKey();
    const created = await mutate('POST', 'sshkeys', { name: 'deploy', publicKey: key.publicKey });
    expect(created).toMatchObject({ status: 'SUCCESS', result: { name: 'deploy', fingerprint: key.md5 } });
    expect(item((await call('GET', 'sshkeys/deploy')).body)).toEqual({
      name: 'deploy',
      fingerprint: key.md5,
    });

    const deleted = await mutate('DELETE', 'sshkeys/deploy');
    expect(deleted.result).toEqual({ name: 'deploy' });
    expect((await call('GET', 'sshkeys/deploy')).status).toBe(404);
    expect((await firstError('DELETE', 'sshkeys/deploy')).status).toBe(404);
  });

  it('shows the fingerprint `ssh-keygen -l -E md5` prints', async () => {
    const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOp6b+XT7oCD8QMRn7YvwdOTJ7QM/CRLXxHuZywGeTdg me@host';
    const created = await mutate('POST', 'sshkeys', { name: 'keygen', publicKey: key });
    expect(created.result.fingerprint).toBe('fc:4a:0c:04:1e:30:4e:42:89:c2:f4:a4:65:a4:46:3c');
  });

  it('refuses a taken name, a key that is not an OpenSSH public key, and missing fields', async () => {
    expect(
      await firstError('POST', 'sshkeys', { name: SEED_SSH_KEY, publicKey: newKey().publicKey }),
    ).toMatchObject({
      status: 400,
      code: 2001,
      context: { field: 'name' },
    });
    for (const publicKey of [
      'ssh-ed25519 not*base64',
      'ssh-foo AAAA',
      '-----BEGIN OPENSSH PRIVATE KEY-----',
    ]) {
      expect(await firstError('POST', 'sshkeys', { name: 'bad', publicKey })).toMatchObject({
        status: 400,
        context: { field: 'publicKey' },
      });
    }
    expect(
      await firstError('POST', 'sshkeys', { name: 'has space', publicKey: newKey().publicKey }),
    ).toMatchObject({
      context: { field: 'name' },
    });
    const missing = await call('POST', 'sshkeys', {});
    expect(missing.body.errors.map((e) => e.context.field)).toEqual(['name', 'publicKey']);
    expect(rows((await call('GET', 'sshkeys')).body)).toHaveLength(1);
  });

  it('takes the name at once: a second register while the first runs is refused', async () => {
    const key = newKey();
    const first = await call('POST', 'sshkeys', { name: 'racer', publicKey: key.publicKey });
    expect(first.status).toBe(200);
    expect(await firstError('POST', 'sshkeys', { name: 'racer', publicKey: key.publicKey })).toMatchObject({
      status: 400,
      context: { field: 'name' },
    });
  });

  it('puts a key on an instance by name or as text, never both', async () => {
    const key = newKey();
    await mutate('POST', 'sshkeys', { name: 'ops', publicKey: key.publicKey });
    const byName = await mutate('POST', 'instances', newInstance({ sshKeyName: 'ops' }));
    expect(sim.state.instances.get(byName.result.id as string)).toMatchObject({
      sshKeyName: 'ops',
      publicKey: key.publicKey,
    });
    const asText = newKey();
    const withText = await mutate(
      'POST',
      'instances',
      newInstance({ name: 'feat-2', publicKey: asText.publicKey }),
    );
    expect(sim.state.instances.get(withText.result.id as string)?.publicKey).toBe(asText.publicKey);

    expect(
      await firstError('POST', 'instances', newInstance({ sshKeyName: 'ops', publicKey: asText.publicKey })),
    ).toMatchObject({ status: 400, context: { field: 'publicKey' } });
    expect(await firstError('POST', 'instances', newInstance({ publicKey: 'not a key' }))).toMatchObject({
      context: { field: 'publicKey' },
    });
    expect(await firstError('POST', 'instances', newInstance({ sshKeyName: 'nobody' }))).toMatchObject({
      context: { field: 'sshKeyName' },
    });
  });
});

describe('user data', () => {
  it('keeps plain-text user data as sent and shows it on GET /:id only', async () => {
    const userData = '#cloud-config\nruncmd:\n  - echo hello\n';
    const created = await mutate('POST', 'instances', newInstance({ userData }));
    const id = created.result.id as string;
    expect(item((await call('GET', `instances/${id}`)).body).userData).toBe(userData);
    expect(rows((await call('GET', 'instances')).body).find((i) => i.id === id)?.userData).toBeUndefined();
  });

  it('refuses user data whose base64 is over 32768 characters', async () => {
    expect((await call('POST', 'instances', newInstance({ userData: 'x'.repeat(24_576) }))).status).toBe(200);
    expect(
      await firstError('POST', 'instances', newInstance({ userData: 'x'.repeat(24_577) })),
    ).toMatchObject({
      status: 400,
      context: { field: 'userData' },
    });
  });
});

describe('changeComputeOffering', () => {
  const change = (id: string) => `instances/${id}?operation=changeComputeOffering`;
  const instance = () => sim.state.instances.get(SEED_IDS.instance)!;

  it('stops, changes and starts a running instance (it reboots), ending with the new offering', async () => {
    const started = await call('POST', change(SEED_IDS.instance), {
      computeOfferingId: SEED_IDS.offeringLarge,
    });
    expect(started.status).toBe(200);
    expect(instance().state).toBe('Stopping');
    const task = await client.finish(started.body.taskId);
    expect(task).toMatchObject({
      status: 'SUCCESS',
      result: { computeOfferingId: SEED_IDS.offeringLarge, cpuCount: 4, memoryInMB: 8192, state: 'Running' },
    });
  });

  it('sizes a custom offering as a create does, and leaves a stopped instance stopped', async () => {
    await mutate('POST', `instances/${SEED_IDS.instance}?operation=stop`);
    expect(
      await firstError('POST', change(SEED_IDS.instance), { computeOfferingId: SEED_IDS.offeringCustom }),
    ).toMatchObject({ status: 400, code: 2002, context: { field: 'cpuCount' } });
    expect(
      await firstError('POST', change(SEED_IDS.instance), {
        computeOfferingId: SEED_IDS.offeringCustom,
        cpuCount: 3,
        memoryInMB: 4096,
      }),
    ).toMatchObject({ status: 400, context: { field: 'cpuCount' } });
    const task = await mutate('POST', change(SEED_IDS.instance), {
      computeOfferingId: SEED_IDS.offeringCustom,
      cpuCount: 2,
      memoryInMB: 4096,
    });
    expect(task.result).toMatchObject({ cpuCount: 2, memoryInMB: 4096, state: 'Stopped' });
  });

  it('refuses the fixed offering the instance has, unknown offerings and transitional states', async () => {
    expect(
      await firstError('POST', change(SEED_IDS.instance), { computeOfferingId: SEED_IDS.offeringSmall }),
    ).toMatchObject({ status: 400, context: { field: 'computeOfferingId' } });
    expect(
      await firstError('POST', change(SEED_IDS.instance), { computeOfferingId: SEED_IDS.zoneMtl }),
    ).toMatchObject({ status: 400, context: { field: 'computeOfferingId' } });
    await call('POST', `instances/${SEED_IDS.instance}?operation=reboot`);
    expect(
      await firstError('POST', change(SEED_IDS.instance), { computeOfferingId: SEED_IDS.offeringLarge }),
    ).toMatchObject({ status: 400, code: 2012, context: { currentState: 'Rebooting' } });
  });

  it('puts everything back when the task fails', async () => {
    await call('POST', '/__sim/config', { failOperations: { 'instances.changeComputeOffering': 1 } });
    const task = await mutate('POST', change(SEED_IDS.instance), {
      computeOfferingId: SEED_IDS.offeringLarge,
    });
    expect(task.status).toBe('FAILED');
    expect(instance()).toMatchObject({ state: 'Running', computeOfferingId: SEED_IDS.offeringSmall });
  });
});

describe('volume resize', () => {
  const newVolume = async (diskOfferingId: string, sizeInGb?: number) =>
    (
      await mutate('POST', 'volumes', {
        name: 'data-r',
        diskOfferingId,
        instanceId: SEED_IDS.instance,
        ...(sizeInGb ? { sizeInGb } : {}),
      })
    ).result.id as string;

  it('grows a custom-size data volume; the running instance reboots meanwhile', async () => {
    const id = await newVolume(SEED_IDS.diskCustom, 10);
    const started = await call('POST', `volumes/${id}?operation=resize`, { sizeInGb: 30 });
    expect(started.status).toBe(200);
    expect(item((await call('GET', `volumes/${id}`)).body).state).toBe('Resizing');
    expect(item((await call('GET', `instances/${SEED_IDS.instance}`)).body).state).toBe('Rebooting');
    const task = await client.finish(started.body.taskId);
    expect(task.result).toMatchObject({ sizeInGb: 30, state: 'Ready' });
    expect(item((await call('GET', `instances/${SEED_IDS.instance}`)).body).state).toBe('Running');
  });

  it('moves a fixed-size volume to a custom-size offering only when asked to', async () => {
    const id = await newVolume(SEED_IDS.disk20);
    expect(await firstError('POST', `volumes/${id}?operation=resize`, { sizeInGb: 40 })).toMatchObject({
      status: 400,
      context: { field: 'sizeInGb' },
    });
    expect(
      await firstError('POST', `volumes/${id}?operation=resize`, {
        sizeInGb: 40,
        diskOfferingId: SEED_IDS.disk50,
      }),
    ).toMatchObject({ status: 400, context: { field: 'diskOfferingId' } });
    const task = await mutate('POST', `volumes/${id}?operation=resize`, {
      sizeInGb: 40,
      diskOfferingId: SEED_IDS.diskCustom,
    });
    expect(task.result).toMatchObject({ sizeInGb: 40, diskOfferingId: SEED_IDS.diskCustom });
  });

  it('only grows data volumes that are ready', async () => {
    const id = await newVolume(SEED_IDS.diskCustom, 10);
    for (const sizeInGb of [10, 5]) {
      expect(await firstError('POST', `volumes/${id}?operation=resize`, { sizeInGb })).toMatchObject({
        status: 400,
        context: { field: 'sizeInGb', currentSizeInGb: 10 },
      });
    }
    expect(await firstError('POST', `volumes/${id}?operation=resize`, {})).toMatchObject({ code: 2002 });
    expect(
      await firstError('POST', `volumes/${SEED_IDS.rootVolume}?operation=resize`, { sizeInGb: 50 }),
    ).toMatchObject({ status: 400, code: 2013 });
    await call('POST', `volumes/${id}?operation=resize`, { sizeInGb: 20 });
    expect(await firstError('POST', `volumes/${id}?operation=resize`, { sizeInGb: 30 })).toMatchObject({
      code: 2012,
      context: { currentState: 'Resizing' },
    });
  });
});
