import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Server, Task, Volume } from '../generated/client';
import { api, catalogPicks, clientFor, succeeded, waitForTask, type Client } from '../support/api';
import { KEYS, sim, startTestGateway, type TestGateway } from '../support/gateway';
import { dumpRedis } from '../support/security-redis';
import { keys as redisKeys } from '../../src/common/redis/keys';

// User-data, SSH keys, resize and rebuild through the public API (docs/design.md#user-data, #ssh-keys,
// #resize-and-rebuild): CloudMC takes user-data and keeps SSH keys; DCImanager takes neither, but rebuilds.

const CM = 'cm-a';
const DCI = 'dci-b';

/** A new ed25519 key in OpenSSH form, and its fingerprint as `ssh-keygen -l` prints it. */
function newKey(comment: string): { publicKey: string; fingerprint: string } {
  const raw = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const field = (bytes: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, bytes.length]), bytes]);
  const blob = Buffer.concat([field(Buffer.from('ssh-ed25519')), field(raw)]);
  return {
    publicKey: `ssh-ed25519 ${blob.toString('base64')} ${comment}`,
    fingerprint: `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`,
  };
}

/** Every value Redis holds, as text (ended tasks unpacked), to look for what must not be there. */
const redisText = async (redis: Redis) =>
  (await dumpRedis(redis)).map((value) => `${value.key} ${value.part} ${value.text}`).join('\n');

describe('user-data, SSH keys, resize and rebuild (e2e, generated client, real Redis)', () => {
  let gateway: TestGateway;
  let client: Client;
  let redis: Redis;
  let cmPicks: { imageId: string; planId: string };
  let cmServer: string;

  beforeAll(async () => {
    gateway = await startTestGateway({
      connections: [
        { name: CM, kind: 'cloudmc' },
        { name: DCI, kind: 'dcimanager' },
      ],
    });
    client = clientFor(gateway.baseUrl, KEYS.admin);
    redis = new Redis(gateway.redisUrl);
    cmPicks = await catalogPicks(client, CM);
    cmServer = (await api.listServers({ client, query: { provider: CM } })).data!.items[0].id;
  });

  afterAll(async () => {
    redis?.disconnect();
    await gateway?.close();
  });

  it('should say in each capability document which optional create fields the connection takes', async () => {
    const [cm, dci] = await Promise.all([
      api.getProvider({ client, path: { name: CM } }),
      api.getProvider({ client, path: { name: DCI } }),
    ]);
    expect(cm.data!.features).toEqual({
      userData: { supported: true, maxBytes: expect.any(Number) },
      sshKeyIds: { supported: true },
      sshPublicKeys: { supported: true },
    });
    expect(dci.data!.features).toMatchObject({
      userData: { supported: false, reason: expect.any(String) },
      sshKeyIds: { supported: false, reason: expect.any(String) },
      sshPublicKeys: { supported: true },
    });
    expect(dci.data!.capabilities).not.toContain('sshKey.read');
    expect(cm.data!.capabilities).toEqual(expect.arrayContaining(['sshKey.read', 'sshKey.create']));
  });

  describe('user-data', () => {
    it('should take it where the connection does, sealed while its task runs and nowhere once it ended', async () => {
      const marker = `ud-marker-${randomBytes(9).toString('base64url')}`;
      const userData = `#cloud-config\nchpasswd:\n  list: |\n    root:${marker}\n`;
      // The backend holds the create for a while: the task is open, its record can be looked at.
      await sim(gateway.simulators.get(CM)!, 'POST', '/faults', {
        action: 'delay',
        method: 'POST',
        path: 'instances$',
        delayMs: 1500,
        count: 1,
      });
      const accepted = await api.createServer({
        client,
        body: { provider: CM, name: 'e2e-userdata', ...cmPicks, userData },
      });
      expect(accepted.response.status).toBe(202);
      const task = accepted.data!;
      const internal = JSON.parse(
        (await redis.hget(redisKeys.task(task.provider, task.id), 'internal'))!,
      ) as {
        secrets?: Array<{ path: string[] }>;
        request: { input: Record<string, unknown> };
      };
      expect(internal.secrets?.map((s) => s.path)).toEqual([['userData']]);
      expect(internal.request.input).not.toHaveProperty('userData');
      expect(await redisText(redis)).not.toContain(marker);

      const done = await succeeded(client, task);
      expect(JSON.stringify(done)).not.toContain(marker);
      const read = await api.getServer({ client, path: { id: done.resource.id! }, query: { fresh: true } });
      expect(read.response.status).toBe(200);
      expect(JSON.stringify(read.data)).not.toContain(marker);
      expect(await redisText(redis)).not.toContain(marker);
    });

    it('should answer 501 naming userData where the connection takes none, and 400 over its limit', async () => {
      const dci = await api.createServer({
        client,
        body: { provider: DCI, name: 'x', imageId: `${DCI}:1`, planId: `${DCI}:1`, userData: '#!/bin/sh' },
      });
      expect(dci.response.status).toBe(501);
      expect(dci.error).toMatchObject({ code: 'unsupported_operation', errors: [{ field: 'userData' }] });

      const { maxBytes } = (await api.getProvider({ client, path: { name: CM } })).data!.features.userData;
      // Characters under the limit, bytes over it: the limit is in bytes of UTF-8.
      const tooLong = 'é'.repeat(Math.floor(maxBytes! / 2) + 1);
      const big = await api.createServer({
        client,
        body: { provider: CM, name: 'x', ...cmPicks, userData: tooLong },
      });
      expect(big.response.status).toBe(400);
      expect(big.error).toMatchObject({ code: 'validation_failed', errors: [{ field: 'userData' }] });
      const rebuild = await api.rebuildServer({
        client,
        path: { id: cmServer },
        body: { imageId: cmPicks.imageId, userData: '#!/bin/sh' },
      });
      expect(rebuild.response.status).toBe(501); // CloudMC has no rebuild at all
    });

    it('should refuse user-data with 400 on a gateway that has no key to seal it', async () => {
      const keyless = await startTestGateway({
        connections: [{ name: CM, kind: 'cloudmc' }],
        reuse: { simulators: gateway.simulators },
        tasks: { secretKey: undefined },
      });
      try {
        const answer = await api.createServer({
          client: clientFor(keyless.baseUrl, KEYS.admin),
          body: { provider: CM, name: 'x', ...cmPicks, userData: '#!/bin/sh\necho secret\n' },
        });
        expect(answer.response.status).toBe(400);
        expect(answer.error).toMatchObject({
          code: 'validation_failed',
          errors: [{ field: 'userData', message: expect.stringContaining('tasks.secretKey') }],
        });
      } finally {
        await keyless.close();
      }
    });
  });

  describe('SSH keys', () => {
    it('should add a key, list and read it with its fingerprint, create a server with it, and delete it', async () => {
      const key = newKey('e2e@example.test');
      const created = await succeeded(
        client,
        (
          await api.createSshKey({
            client,
            body: { provider: CM, name: 'e2e-laptop', publicKey: key.publicKey },
          })
        ).data,
      );
      expect(created).toMatchObject({ operation: 'sshKey.create', resource: { type: 'sshKey' } });
      const id = created.resource.id!;
      expect(created.result).toMatchObject({ id, name: 'e2e-laptop', fingerprint: key.fingerprint });

      const listed = await api.listSshKeys({ client, query: { name: 'e2e-laptop' } });
      expect(listed.data!.items).toEqual([
        expect.objectContaining({
          id,
          resourceType: 'sshKey',
          fingerprint: key.fingerprint,
          allowedActions: { delete: { allowed: true } },
        }),
      ]);
      // Only connections that keep keys are asked.
      expect(listed.data!.providers.map((p) => p.provider)).toEqual([CM]);
      expect((await api.getSshKey({ client, path: { id } })).data).toMatchObject({
        id,
        fingerprint: key.fingerprint,
      });

      const server = await succeeded(
        client,
        (
          await api.createServer({
            client,
            body: { provider: CM, name: 'e2e-keyed', ...cmPicks, sshKeyIds: [id] },
          })
        ).data,
      );
      expect(server.result).toMatchObject({ name: 'e2e-keyed', state: 'running' });

      await succeeded(client, (await api.deleteSshKey({ client, path: { id } })).data);
      expect((await api.getSshKey({ client, path: { id } })).response.status).toBe(404);
      // Gone: a server create naming it is refused now, not by a failed task.
      const stale = await api.createServer({
        client,
        body: { provider: CM, name: 'x', ...cmPicks, sshKeyIds: [id] },
      });
      expect(stale.response.status).toBe(404);
    });

    it('should refuse a malformed key with 400 and a connection without keys with 501, before any task', async () => {
      const bad = await api.createSshKey({
        client,
        body: { provider: CM, name: 'bad', publicKey: 'ssh-ed25519 AAAAnotakey' },
      });
      expect(bad.response.status).toBe(400);
      expect(bad.error).toMatchObject({ errors: [{ field: 'publicKey' }] });
      const none = await api.createSshKey({
        client,
        body: { provider: DCI, name: 'k', publicKey: newKey('x').publicKey },
      });
      expect(none.response.status).toBe(501);
      expect(none.error).toMatchObject({ code: 'unsupported_operation' });
      const ids = await api.createServer({
        client,
        body: { provider: DCI, name: 'x', imageId: `${DCI}:1`, planId: `${DCI}:1`, sshKeyIds: [`${DCI}:k1`] },
      });
      expect(ids.response.status).toBe(501);
      expect(ids.error).toMatchObject({ errors: [{ field: 'sshKeyIds' }] });
      expect((await api.getSshKey({ client, path: { id: `${DCI}:k1` } })).response.status).toBe(501);
    });
  });

  describe('resize', () => {
    it('should resize a server to another plan, and refuse a body that is neither form', async () => {
      const plans = (await api.listProviderPlans({ client, path: { name: CM } })).data!.items;
      const before = (await api.getServer({ client, path: { id: cmServer } })).data!;
      const other = plans.find((p) => !p.custom && p.id !== before.planId)!;
      const accepted = await api.resizeServer({ client, path: { id: cmServer }, body: { planId: other.id } });
      expect(accepted.response.status).toBe(202);
      const done = await succeeded(client, accepted.data);
      expect(done).toMatchObject({ operation: 'server.resize', resource: { id: cmServer } });
      expect((done.result as Server).planId).toBe(other.id);
      expect((await api.getServer({ client, path: { id: cmServer } })).data!.planId).toBe(other.id);

      for (const body of [{}, { planId: other.id, cpuCores: 2, memoryMb: 2048 }, { cpuCores: 2 }]) {
        const refused = await api.resizeServer({ client, path: { id: cmServer }, body });
        expect({ body, status: refused.response.status }).toEqual({ body, status: 400 });
      }
      const dci = (await api.listServers({ client, query: { provider: DCI } })).data!.items[0];
      const unsupported = await api.resizeServer({
        client,
        path: { id: dci.id },
        body: { cpuCores: 2, memoryMb: 2048 },
      });
      expect(unsupported.response.status).toBe(501);
      expect(dci.allowedActions.resize).toMatchObject({ allowed: false, reason: 'unsupported_operation' });
    });

    it('should grow a volume, and refuse a size that is not larger before any backend call', async () => {
      const volumes = (await api.listVolumes({ client, query: { provider: CM } })).data!.items;
      const volume: Volume | undefined = volumes.find((v) => !v.bootable);
      const target =
        volume ??
        ((
          await succeeded(
            client,
            (
              await api.createVolume({
                client,
                body: { provider: CM, name: 'e2e-grow', sizeGb: 20, serverId: cmServer },
              })
            ).data,
          )
        ).result as Volume);
      for (const sizeGb of [target.sizeGb, target.sizeGb - 1]) {
        const refused = await api.resizeVolume({ client, path: { id: target.id }, body: { sizeGb } });
        expect({ sizeGb, status: refused.response.status }).toEqual({ sizeGb, status: 400 });
        expect(refused.error).toMatchObject({ errors: [{ field: 'sizeGb' }] });
      }
      const grown = await succeeded(
        client,
        (await api.resizeVolume({ client, path: { id: target.id }, body: { sizeGb: target.sizeGb + 10 } }))
          .data,
      );
      expect(grown).toMatchObject({ operation: 'volume.resize', result: { sizeGb: target.sizeGb + 10 } });
      expect((await api.getVolume({ client, path: { id: target.id } })).data!.sizeGb).toBe(
        target.sizeGb + 10,
      );
    });
  });

  describe('rebuild', () => {
    it('should reinstall a bare-metal server from an image, keeping its id', async () => {
      const dci = (await api.listServers({ client, query: { provider: DCI, state: 'running' } })).data!
        .items[0];
      const images = (await api.listProviderImages({ client, path: { name: DCI } })).data!.items;
      const image = images.find((i) => i.id !== dci.imageId) ?? images[0];
      const accepted = await api.rebuildServer({
        client,
        path: { id: dci.id },
        body: { imageId: image.id, sshPublicKeys: [newKey('rebuild').publicKey] },
      });
      expect(accepted.response.status).toBe(202);
      const done: Task = await waitForTask(client, accepted.data!.id, 90);
      expect(done).toMatchObject({
        status: 'succeeded',
        operation: 'server.rebuild',
        resource: { id: dci.id },
      });
      expect(done.result).toMatchObject({ id: dci.id, nativeId: dci.nativeId });
    });

    it('should refuse a rebuild without an image, and where the backend cannot rebuild', async () => {
      const missing = await api.rebuildServer({ client, path: { id: cmServer }, body: {} as never });
      expect(missing.response.status).toBe(400);
      const cm = await api.rebuildServer({
        client,
        path: { id: cmServer },
        body: { imageId: cmPicks.imageId },
      });
      expect(cm.response.status).toBe(501);
      expect(cm.error).toMatchObject({ code: 'unsupported_operation', operation: 'server.rebuild' });
    });
  });
});
