import { api, catalogPicks, clientFor, succeeded, waitForTask, type Client } from '../support/api';
import { KEYS, startTestGateway, type TestGateway } from '../support/gateway';
import type { Task } from '../generated/client';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls a task until `until` holds (bounded), returning it then. */
async function watch(
  client: Client,
  id: string,
  until: (task: Task) => boolean,
  what: string,
): Promise<Task> {
  for (let i = 0; i < 600; i++) {
    const task = (await api.getTask({ client, path: { id } })).data!;
    if (until(task)) return task;
    if (['succeeded', 'failed', 'canceled'].includes(task.status))
      throw new Error(`task ended ${task.status} before ${what}: ${JSON.stringify(task)}`);
    await sleep(50);
  }
  throw new Error(`task ${id}: never ${what}`);
}

/** Whether the server is gone from the backend (read fresh; a CloudMC instance may linger as `deleted`). */
async function gone(client: Client, id: string): Promise<boolean> {
  const read = await api.getServer({ client, path: { id }, query: { fresh: true } });
  return read.response.status === 404 || read.data?.state === 'deleted';
}

describe('POST /v1/tasks/{id}/cancel (e2e)', () => {
  describe('a queued task (no worker runs)', () => {
    let backends: TestGateway;
    let workers: TestGateway | null = null;
    let client: Client;
    let serverId: string;

    beforeAll(async () => {
      // The API here; a worker beside it on the same backends and Redis only while a server is made.
      backends = await startTestGateway({ connections: [{ name: 'cm-a', kind: 'cloudmc' }], role: 'api' });
      workers = await startTestGateway({ connections: [{ name: 'cm-a', kind: 'cloudmc' }], reuse: backends });
      client = clientFor(backends.baseUrl, KEYS.admin);
      const made = await api.createServer({
        client,
        body: { provider: 'cm-a', name: 'queued-target', ...(await catalogPicks(client, 'cm-a')) },
      });
      serverId = (await succeeded(client, made.data)).resource.id!;
      await workers.close();
      workers = null;
    });

    afterAll(async () => {
      await workers?.close();
      await backends.close();
    });

    it('should end it canceled at once, steps skipped, and free its resource', async () => {
      const stop = await api.stopServer({ client, path: { id: serverId }, body: {} });
      expect(stop.data!.status).toBe('queued');
      const busy = await api.startServer({ client, path: { id: serverId } });
      expect(busy.response.status).toBe(409);

      const canceled = await api.cancelTask({ client, path: { id: stop.data!.id } });
      expect(canceled.response.status).toBe(202);
      expect(canceled.response.headers.get('location')).toBe(`/v1/tasks/${stop.data!.id}`);
      expect(canceled.data).toMatchObject({
        id: stop.data!.id,
        status: 'canceled',
        error: null,
        cancelRequestedAt: expect.any(String),
        completedAt: expect.any(String),
        actor: { keyName: 'admin' },
      });
      expect(canceled.data!.steps.every((s) => s.status === 'skipped')).toBe(true);
      expect((await api.getTask({ client, path: { id: stop.data!.id } })).data).toEqual(canceled.data);

      // The lock went with it: the next mutation is accepted.
      const next = await api.stopServer({ client, path: { id: serverId }, body: {} });
      expect(next.response.status).toBe(202);
      expect((await api.cancelTask({ client, path: { id: next.data!.id } })).data!.status).toBe('canceled');
    });

    it('should answer 409 for an ended task, 404 for an unknown one, 400 for a malformed id, 403 for a reader', async () => {
      const stop = await api.stopServer({ client, path: { id: serverId }, body: {} });
      const id = stop.data!.id;
      const reader = await api.cancelTask({ client: clientFor(backends.baseUrl, KEYS.reader), path: { id } });
      expect(reader.response.status).toBe(403);
      expect(
        (await api.cancelTask({ client, path: { id: '01ARZ3NDEKTSV4RRFFQ69G5FAV' } })).response.status,
      ).toBe(404);
      const malformed = await api.cancelTask({ client, path: { id: 'not-a-task' } });
      expect(malformed.response.status).toBe(400);
      expect(malformed.error).toMatchObject({ code: 'validation_failed' });

      await api.cancelTask({ client, path: { id } });
      const again = await api.cancelTask({ client, path: { id } });
      expect(again.response.status).toBe(409);
      expect(again.error).toMatchObject({ code: 'conflict' });
    });
  });

  describe('running tasks', () => {
    let gateway: TestGateway;
    let client: Client;
    let picks: { imageId: string; planId: string };

    beforeAll(async () => {
      gateway = await startTestGateway({
        connections: [
          { name: 'cm-a', kind: 'cloudmc' },
          { name: 'cm-b', kind: 'cloudmc' },
        ],
        speed: 4,
      });
      client = clientFor(gateway.baseUrl, KEYS.admin);
      picks = await catalogPicks(client, 'cm-a');
    });

    afterAll(() => gateway.close());

    it('should undo a create canceled after the backend made the server: nothing left, steps skipped and undo-…', async () => {
      const accepted = await api.createServer({
        client,
        body: { provider: 'cm-a', name: 'undone', ...picks },
      });
      if (!accepted.data) throw new Error(JSON.stringify(accepted.error));
      const id = accepted.data.id;
      // Canceled once CloudMC accepted the create, before its task told the server's id: the worker waits for the
      // id, then deletes the server.
      await watch(
        client,
        id,
        (task) => task.steps.find((s) => s.name === 'create-instance')?.status === 'succeeded',
        'made its server',
      );

      // Another tenant's task does not exist for it.
      const tenantB = clientFor(gateway.baseUrl, KEYS.tenantB);
      expect((await api.cancelTask({ client: tenantB, path: { id } })).response.status).toBe(404);

      const asked = await api.cancelTask({ client, path: { id } });
      expect(asked.response.status).toBe(202);
      expect(asked.data).toMatchObject({ id, cancelRequestedAt: expect.any(String) });
      const again = await api.cancelTask({ client, path: { id } });
      expect(again.response.status).toBe(202);
      expect(again.data!.cancelRequestedAt).toBe(asked.data!.cancelRequestedAt);

      const done = await waitForTask(client, id, 120);
      expect(done).toMatchObject({
        status: 'canceled',
        error: null,
        cancelRequestedAt: asked.data!.cancelRequestedAt,
      });
      expect(done.steps.some((s) => s.status === 'skipped')).toBe(true);
      const undo = done.steps.filter((s) => s.name.startsWith('undo-'));
      expect(undo.length).toBeGreaterThan(0);
      expect(undo.every((s) => s.status === 'succeeded')).toBe(true);
      expect(done.resource.id).not.toBeNull();
      expect(await gone(client, done.resource.id!)).toBe(true);
      const listed = await api.listServers({
        client,
        query: { provider: 'cm-a', name: 'undone', fresh: true },
      });
      expect(listed.data!.items.filter((s) => s.state !== 'deleted')).toEqual([]);
      // Ended: a cancel now is a conflict.
      expect((await api.cancelTask({ client, path: { id } })).response.status).toBe(409);
    });

    it('should refuse with 409 a delete past its last backend call (only waits left)', async () => {
      const server = await succeeded(
        client,
        (await api.createServer({ client, body: { provider: 'cm-a', name: 'deleted', ...picks } })).data,
      );
      const accepted = await api.deleteServer({ client, path: { id: server.resource.id! } });
      const id = accepted.data!.id;
      await watch(
        client,
        id,
        (task) => task.steps.some((s) => s.name.startsWith('wait-') && s.status !== 'pending'),
        'reached its waits',
      );
      const refused = await api.cancelTask({ client, path: { id } });
      expect(refused.response.status).toBe(409);
      expect(refused.error).toMatchObject({ code: 'conflict' });
      expect(await waitForTask(client, id, 120)).toMatchObject({
        status: 'succeeded',
        cancelRequestedAt: null,
      });
    });
  });
});
