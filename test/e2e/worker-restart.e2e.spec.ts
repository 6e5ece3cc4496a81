import { api, catalogPicks, clientFor, waitForTask, type Client } from '../support/api';
import { startChildGateway, writeConfig, type ChildGateway } from '../support/child-gateway';
import { KEYS, startTestGateway, type TestGateway } from '../support/gateway';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a worker killed mid-task (e2e, separate processes)', () => {
  let gateway: TestGateway;
  let client: Client;
  const workers: ChildGateway[] = [];

  beforeAll(async () => {
    // API only in this process; the work happens in worker processes that the test kills.
    gateway = await startTestGateway({
      connections: [{ name: 'cm-a', kind: 'cloudmc' }],
      role: 'api',
      speed: 2,
    });
    client = clientFor(gateway.baseUrl, KEYS.admin);
  });

  afterAll(async () => {
    for (const worker of workers) await worker.stop().catch(() => undefined);
    await gateway.close();
  });

  it('should be finished by another worker, once, with no second server', async () => {
    const configPath = writeConfig({
      ...gateway.document,
      tasks: { stalledIntervalMs: 1_000, lockDurationMs: 3_000 },
    });
    workers.push(await startChildGateway({ configPath, redisUrl: gateway.redisUrl, role: 'worker' }));

    const accepted = await api.createServer({
      client,
      body: { provider: 'cm-a', name: 'survivor', ...(await catalogPicks(client, 'cm-a')) },
    });
    const taskId = accepted.data!.id;

    // Kill the worker once it has started the backend create and is waiting on CloudMC's task.
    for (let i = 0; i < 200; i++) {
      const task = (await api.getTask({ client, path: { id: taskId } })).data!;
      if (task.steps.find((s) => s.name === 'wait-running')?.status === 'running') break;
      await sleep(50);
    }
    await workers[0].crash();
    const orphaned = (await api.getTask({ client, path: { id: taskId } })).data!;
    expect(orphaned.status).toBe('running');

    workers.push(await startChildGateway({ configPath, redisUrl: gateway.redisUrl, role: 'worker' }));
    const done = await waitForTask(client, taskId, 90);
    expect(done).toMatchObject({ status: 'succeeded', result: { name: 'survivor', state: 'running' } });

    const servers = await api.listServers({
      client,
      query: { provider: 'cm-a', name: 'survivor', fresh: true },
    });
    expect(servers.data!.items).toHaveLength(1);
  });
});
