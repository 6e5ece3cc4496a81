import { Redis } from 'ioredis';
import { keys } from '../../src/common/redis/keys';
import { ResourceType } from '../../src/domain/states';
import { encodeChange } from '../../src/tasks/resource-change';
import type { WebhookDelivery } from '../generated/client';
import { api, clientFor, succeeded, type Client } from '../support/api';
import { KEYS } from '../support/gateway';
import { SecretScanner } from '../support/secret-scan';
import { dumpRedis } from '../support/security-redis';
import { openEvents } from '../support/sse';
import { startWebhookGateway, type WebhookGateway } from '../support/webhook-gateway';
import { bodyOf, WebhookReceiver } from '../support/webhook-receiver';

// Issue 15, point 4 (docs/design.md#webhooks): a webhook's signing secret is nowhere but the create and rotate
// answers (not in reads, lists, PATCH answers, deliveries, tests, events, tasks, logs; sealed in Redis); a tenant
// never sees, changes or receives what belongs to another; and targets on loopback, private, link-local and
// metadata addresses are refused at registration and again at delivery, after the name resolved elsewhere.

const A = 'sec-wh-a';
const B = 'sec-wh-b';

/** Where any of the secrets appears (raw, JSON, URL, base64 at any alignment) in the texts. */
function whereAre(secrets: string[], texts: Array<{ where: string; text: string }>): string[] {
  const scanner = new SecretScanner();
  secrets.forEach((secret, i) => {
    scanner.add(`secret-${i}`, secret);
    // The key bytes as base64, as a library would hold them.
    scanner.add(`secret-${i}-key`, secret.slice('whsec_'.length));
  });
  for (const { where, text } of texts) scanner.scan('scan', where, text);
  return [...new Set(scanner.findings.map((f) => `${f.where} (${f.form})`))];
}

describe('webhooks security', () => {
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
  });
  afterAll(() => receiver?.close());

  describe('secrets and tenancy (loopback allowed, a secret key configured)', () => {
    let gateway: WebhookGateway;
    let tenantA: Client;
    let tenantB: Client;
    let admin: Client;
    let redis: Redis;

    beforeAll(async () => {
      gateway = await startWebhookGateway({
        connections: [
          { name: A, kind: 'cloudmc' },
          { name: B, kind: 'cloudmc' },
        ],
        webhooks: { allowPrivateTargets: true, maxAttempts: 2 },
      });
      tenantA = clientFor(gateway.baseUrl, KEYS.tenantA);
      tenantB = clientFor(gateway.baseUrl, KEYS.tenantB);
      admin = clientFor(gateway.baseUrl, KEYS.admin);
      redis = new Redis(gateway.redisUrl);
    });

    afterAll(async () => {
      redis?.disconnect();
      await gateway?.close();
    });

    it('should show a secret only in the create and rotate answers: never in reads, deliveries, tasks, events, logs; sealed in Redis', async () => {
      const answers: Array<{ where: string; text: string }> = [];
      const keep = (where: string, value: unknown) =>
        answers.push({ where, text: JSON.stringify(value ?? null) });

      const created = await api.createWebhook({
        client: tenantA,
        body: { url: receiver.url('/secret'), events: ['*'] },
      });
      expect(created.response.status).toBe(201);
      const hook = created.data!;
      const rotated = (await api.rotateWebhookSecret({ client: tenantA, path: { id: hook.id } })).data!;
      expect(rotated.secret).not.toBe(hook.secret);
      const secrets = [hook.secret, rotated.secret];

      // Traffic that makes deliveries (a task's events, a test) and every read of the webhook and its deliveries.
      const task = await succeeded(
        tenantA,
        (await api.createNetwork({ client: tenantA, body: { provider: A, name: 'sec-wh' } })).data,
      );
      keep('test', (await api.testWebhook({ client: tenantA, path: { id: hook.id } })).data);
      await receiver.waitFor('/secret', (rs) => rs.some((r) => bodyOf(r).type === 'webhook.test'));
      await receiver.waitFor('/secret', (rs) => rs.some((r) => bodyOf(r).type === 'task.succeeded'));
      keep('get', (await api.getWebhook({ client: tenantA, path: { id: hook.id } })).data);
      keep('list', (await api.listWebhooks({ client: tenantA })).data);
      keep(
        'patch',
        (
          await api.updateWebhook({
            client: tenantA,
            path: { id: hook.id },
            body: { events: ['task.succeeded'] },
          })
        ).data,
      );
      keep('deliveries', (await api.listWebhookDeliveries({ client: tenantA, path: { id: hook.id } })).data);
      keep('tasks', (await api.listTasks({ client: tenantA })).data);
      keep('task', (await api.getTask({ client: tenantA, path: { id: task.id } })).data);
      // The task's events as SSE clients get them (replayed from the stream's start).
      const stream = await openEvents(`${gateway.baseUrl}/v1/events?provider=${A}`, {
        Authorization: `Bearer ${KEYS.tenantA}`,
        'Last-Event-ID': '0-0',
      });
      const seen = await stream.until((es) =>
        es.some((e) => e.event === 'task.succeeded' && e.data.includes(task.id)),
      );
      stream.close();
      const events = JSON.stringify(seen);
      answers.push({ where: 'events', text: events });
      // What receivers got carries no secret either (a body, a header).
      for (const request of receiver.on('/secret'))
        answers.push({ where: 'delivery', text: `${JSON.stringify(request.headers)} ${request.body}` });
      expect(answers.find((a) => a.where === 'get')!.text).not.toContain('"secret"');

      // The scan finds them where they are meant to be (a control), and nowhere else.
      expect(whereAre(secrets, [{ where: 'create', text: JSON.stringify(hook) }])).not.toEqual([]);
      expect(whereAre([rotated.secret], [{ where: 'rotate', text: JSON.stringify(rotated) }])).not.toEqual(
        [],
      );
      expect(whereAre(secrets, answers)).toEqual([]);
      expect(
        whereAre(
          secrets,
          gateway.logLines.map((text, i) => ({ where: `log line ${i + 1}`, text })),
        ),
      ).toEqual([]);
      const dump = await dumpRedis(redis);
      expect(
        whereAre(
          secrets,
          dump.map((v) => ({ where: `${v.key} ${v.part}`, text: v.text })),
        ),
      ).toEqual([]);
      // Sealed where Redis keeps it: AES-GCM under tasks.secretKey, not the secret itself.
      expect(await redis.hget(keys.webhook(hook.id), 'secret')).toMatch(/^v1\./);
      await api.deleteWebhook({ client: tenantA, path: { id: hook.id } });
    });

    it("should answer 404 to every call of another key on a tenant's webhook, and leave it as it was", async () => {
      const hook = (
        await api.createWebhook({
          client: tenantA,
          body: { url: receiver.url('/owned'), events: ['task.failed'] },
        })
      ).data!;
      const path = { id: hook.id };
      expect((await api.listWebhooks({ client: tenantB })).data!.items.map((w) => w.id)).not.toContain(
        hook.id,
      );
      const calls = [
        api.getWebhook({ client: tenantB, path }),
        api.updateWebhook({ client: tenantB, path, body: { url: receiver.url('/stolen') } }),
        api.updateWebhook({ client: tenantB, path, body: { enabled: false } }),
        api.rotateWebhookSecret({ client: tenantB, path }),
        api.testWebhook({ client: tenantB, path }),
        api.listWebhookDeliveries({ client: tenantB, path }),
        api.deleteWebhook({ client: tenantB, path }),
      ];
      for (const answer of await Promise.all(calls)) {
        expect(answer.response.status).toBe(404);
        expect(answer.error).toMatchObject({ code: 'not_found' });
      }
      // The admin key sees every connection, not every key's webhooks.
      expect((await api.getWebhook({ client: admin, path })).response.status).toBe(404);
      const after = (await api.getWebhook({ client: tenantA, path })).data!;
      expect(after).toMatchObject({ url: receiver.url('/owned'), enabled: true, updatedAt: hook.updatedAt });
      expect((await api.listWebhookDeliveries({ client: tenantA, path })).data!.items).toEqual([]);
      expect(receiver.on('/owned')).toHaveLength(0);
      await api.deleteWebhook({ client: tenantA, path });
    });

    it("should never deliver an event of another tenant's connection, even to a webhook asking for `*`", async () => {
      const mine = (
        await api.createWebhook({ client: tenantA, body: { url: receiver.url('/tenant-a'), events: ['*'] } })
      ).data!;
      const sentinel = (
        await api.createWebhook({
          client: admin,
          body: {
            url: receiver.url('/sentinel'),
            events: ['task.succeeded', 'resource.changed'],
            providers: [B],
          },
        })
      ).data!;
      // tenant B's task and an observed change on B; then one of A's, which the tenant A webhook must get.
      const theirs = await succeeded(
        tenantB,
        (await api.createNetwork({ client: tenantB, body: { provider: B, name: 'sec-wh-b' } })).data,
      );
      await redis.xadd(
        keys.changes(B),
        '*',
        ...encodeChange({
          provider: B,
          resource: { type: ResourceType.Server, id: `${B}:console` },
          fromState: 'running',
          toState: 'stopped',
          observedAt: new Date().toISOString(),
        }),
      );
      await receiver.waitFor('/sentinel', (rs) => rs.some((r) => bodyOf(r).data.id === theirs.id));
      await receiver.waitFor('/sentinel', (rs) => rs.some((r) => bodyOf(r).type === 'resource.changed'));
      const ours = await succeeded(
        tenantA,
        (await api.createNetwork({ client: tenantA, body: { provider: A, name: 'sec-wh-a' } })).data,
      );
      await receiver.waitFor('/tenant-a', (rs) =>
        rs.some((r) => bodyOf(r).type === 'task.succeeded' && bodyOf(r).data.id === ours.id),
      );
      const got = receiver.on('/tenant-a').map(bodyOf);
      expect(got.length).toBeGreaterThan(0);
      expect(got.every((p) => p.data.provider === A)).toBe(true);
      expect(JSON.stringify(got)).not.toContain(B);
      const records = (await api.listWebhookDeliveries({ client: tenantA, path: { id: mine.id } })).data!
        .items;
      expect(records.length).toBe(got.length);
      await api.deleteWebhook({ client: tenantA, path: { id: mine.id } });
      await api.deleteWebhook({ client: admin, path: { id: sentinel.id } });
    });
  });

  describe('SSRF (private targets refused)', () => {
    let gateway: WebhookGateway;
    let client: Client;

    beforeAll(async () => {
      gateway = await startWebhookGateway({
        connections: [{ name: A, kind: 'cloudmc' }],
        webhooks: { allowPrivateTargets: false, maxAttempts: 2 },
      });
      client = clientFor(gateway.baseUrl, KEYS.tenantA);
    });
    afterAll(() => gateway?.close());
    afterEach(() => jest.restoreAllMocks());

    it.each([
      'http://127.0.0.1:8080/hook',
      'http://10.0.0.1/hook',
      'http://172.16.5.4/hook',
      'http://192.168.0.10/hook',
      'http://169.254.169.254/latest/meta-data/',
      'http://100.100.100.200/',
      'http://100.64.0.1/',
      'http://0.0.0.0/',
      'http://[::1]/hook',
      'http://[::ffff:127.0.0.1]/hook',
      'http://[fd00:ec2::254]/',
      'http://[fe80::1]/',
      'http://2130706433/',
      'http://localhost/hook',
    ])('should refuse to register %s (400 naming url)', async (url) => {
      const answer = await api.createWebhook({ client, body: { url, events: ['*'] } });
      expect(answer.response.status).toBe(400);
      expect(answer.error).toMatchObject({ code: 'validation_failed', errors: [{ field: 'url' }] });
    });

    it('should refuse a PATCH to a private target', async () => {
      jest.spyOn(gateway.resolver, 'lookup').mockResolvedValue([{ address: '93.184.216.34', family: 4 }]);
      const hook = (
        await api.createWebhook({
          client,
          body: { url: 'https://hooks.example.test/in', events: ['task.failed'] },
        })
      ).data!;
      const patched = await api.updateWebhook({
        client,
        path: { id: hook.id },
        body: { url: 'http://169.254.169.254/' },
      });
      expect(patched.response.status).toBe(400);
      expect((await api.getWebhook({ client, path: { id: hook.id } })).data!.url).toBe(
        'https://hooks.example.test/in',
      );
      await api.deleteWebhook({ client, path: { id: hook.id } });
    });

    it('should judge the name again at delivery: public at registration, 127.0.0.1 now → nothing sent, the record says why', async () => {
      const lookup = jest.spyOn(gateway.resolver, 'lookup');
      // Public once (the registration's look-up), loopback from then on: never a public address at delivery,
      // so no attempt could leave this machine whatever the guard did.
      lookup.mockResolvedValueOnce([{ address: '93.184.216.34', family: 4 }]);
      lookup.mockResolvedValue([{ address: '127.0.0.1', family: 4 }]);
      const url = `http://rebind.example.test:${receiver.port}/rebind`;
      const created = await api.createWebhook({ client, body: { url, events: ['task.succeeded'] } });
      expect(created.response.status).toBe(201);
      const hook = created.data!;
      await api.testWebhook({ client, path: { id: hook.id } });
      // An event too, through the dispatcher.
      await succeeded(
        client,
        (await api.createNetwork({ client, body: { provider: A, name: 'rebind' } })).data,
      );
      const deadline = Date.now() + 30_000;
      let records: WebhookDelivery[];
      for (;;) {
        records = (await api.listWebhookDeliveries({ client, path: { id: hook.id } })).data!.items;
        if (records.length >= 2 && records.every((d) => d.status !== 'pending')) break;
        if (Date.now() > deadline) throw new Error(`deliveries still pending: ${JSON.stringify(records)}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      for (const record of records) {
        expect(record.status).toBe('failed');
        expect(record.attempts).toHaveLength(2);
        for (const attempt of record.attempts)
          expect(attempt).toMatchObject({
            statusCode: null,
            error:
              'target refused: rebind.example.test resolves to 127.0.0.1: 127.0.0.1 is in a loopback range',
          });
      }
      expect(lookup).toHaveBeenCalledWith('rebind.example.test');
      expect(receiver.on('/rebind')).toHaveLength(0);
      await api.deleteWebhook({ client, path: { id: hook.id } });
    });
  });
});
