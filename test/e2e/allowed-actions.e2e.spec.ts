import { api, renameServer, clientFor, waitForTask, type Client } from '../support/api';
import type { ActionVerdict, IpAddress, Network, Problem, Server, SshKey, Volume } from '../generated/client';
import { KEYS, sim, startTestGateway, type TestGateway } from '../support/gateway';

type AnyResource = Server | Volume | Network | IpAddress | SshKey;

const CONNECTIONS = [
  { name: 'cm', kind: 'cloudmc' },
  { name: 'cs', kind: 'cloudsigma' },
  { name: 'dci', kind: 'dcimanager' },
  { name: 'imco', kind: 'imco' },
];

/** The request a click on each action sends (every action of ADR 0003). */
function request(
  client: Client,
  resource: AnyResource,
  key: string,
  serverId: string,
): Promise<{ response: Response; error?: unknown }> {
  const path = { id: resource.id };
  switch (`${resource.resourceType}.${key}`) {
    case 'server.start':
      return api.startServer({ client, path });
    case 'server.stop':
      return api.stopServer({ client, path, body: {} });
    case 'server.forceStop':
      return api.stopServer({ client, path, body: { force: true } });
    case 'server.reboot':
      return api.rebootServer({ client, path });
    case 'server.rename':
      return renameServer({ client, path, body: { name: 'renamed-by-click' } });
    case 'server.resize':
      return api.resizeServer({ client, path, body: { cpuCores: 2, memoryMb: 2048 } });
    case 'server.rebuild':
      return api.rebuildServer({ client, path, body: { imageId: (resource as Server).imageId ?? 'x' } });
    case 'server.delete':
      return api.deleteServer({ client, path });
    case 'volume.attach':
      return api.attachVolume({ client, path, body: { serverId } });
    case 'volume.detach':
      return api.detachVolume({ client, path });
    case 'volume.resize':
      return api.resizeVolume({ client, path, body: { sizeGb: (resource as Volume).sizeGb + 10 } });
    case 'volume.delete':
      return api.deleteVolume({ client, path });
    case 'network.delete':
      return api.deleteNetwork({ client, path });
    case 'ip.attach':
      return api.attachIp({ client, path, body: { serverId } });
    case 'ip.detach':
      return api.detachIp({ client, path });
    case 'ip.release':
      return api.releaseIp({ client, path });
    case 'sshKey.delete':
      return api.deleteSshKey({ client, path });
    default:
      throw new Error(`no request for ${resource.resourceType}.${key}`);
  }
}

describe('allowedActions on every resource of the four backends (e2e)', () => {
  let gateway: TestGateway;
  let client: Client;
  const resources = new Map<string, AnyResource[]>();

  async function everything(connection: string): Promise<AnyResource[]> {
    const query = { provider: connection, pageSize: 500 };
    const lists = await Promise.all([
      api.listServers({ client, query }),
      api.listVolumes({ client, query }),
      api.listNetworks({ client, query }),
      api.listIps({ client, query }),
      api.listSshKeys({ client, query }),
    ]);
    return lists.flatMap((list) => (list.data?.items ?? []) as AnyResource[]);
  }

  beforeAll(async () => {
    gateway = await startTestGateway({ connections: CONNECTIONS });
    client = clientFor(gateway.baseUrl, KEYS.admin);
    for (const { name } of CONNECTIONS) resources.set(name, await everything(name));
  });

  afterAll(() => gateway.close());

  it('should find resources of every type on the sandbox backends to walk', () => {
    for (const { name } of CONNECTIONS) {
      const types = new Set(resources.get(name)!.map((r) => r.resourceType));
      expect([name, [...types].sort()]).toEqual([name, expect.arrayContaining(['server', 'ip'])]);
    }
  });

  it('should list every action of the type, unsupported exactly where the capability document says so', async () => {
    let verdicts = 0;
    for (const { name } of CONNECTIONS) {
      const detail = (await api.getProvider({ client, path: { name } })).data!;
      const support = new Map(detail.actions.map((a) => [a.action, a]));
      for (const resource of resources.get(name)!) {
        const keys = detail.actions
          .filter((a) => a.resourceType === resource.resourceType)
          .map((a) => a.action.slice(a.action.indexOf('.') + 1));
        const actions = resource.allowedActions as unknown as Record<string, ActionVerdict>;
        expect([resource.id, Object.keys(actions).sort()]).toEqual([resource.id, keys.sort()]);
        for (const [key, verdict] of Object.entries(actions)) {
          verdicts++;
          const capability = support.get(`${resource.resourceType}.${key}` as never)!;
          const where = `${resource.id} ${key}`;
          expect([where, verdict.reason === 'unsupported_operation']).toEqual([where, !capability.supported]);
          expect([where, verdict.allowed]).toEqual([where, verdict.reason === undefined]);
          if (!capability.supported) expect([where, verdict.message]).toEqual([where, capability.reason]);
        }
      }
    }
    expect(verdicts).toBeGreaterThan(50);
  });

  it('should answer every refused action with the reason its verdict gives, before any task', async () => {
    const seen = new Set<string>();
    for (const { name } of CONNECTIONS) {
      const all = resources.get(name)!;
      const serverId = all.find((r) => r.resourceType === 'server')!.id;
      const tasksBefore = (await api.listTasks({ client, query: { provider: name } })).data!.items.length;
      for (const resource of all) {
        const actions = resource.allowedActions as unknown as Record<string, ActionVerdict>;
        for (const [key, verdict] of Object.entries(actions)) {
          if (verdict.allowed) continue;
          seen.add(verdict.reason!);
          const { response, error } = await request(client, resource, key, serverId);
          const problem = error as Problem;
          const where = `${resource.id} ${key}`;
          expect([where, response.status]).toEqual([
            where,
            verdict.reason === 'unsupported_operation' ? 501 : 409,
          ]);
          expect([where, problem.reason]).toEqual([where, verdict.reason]);
          if (verdict.reason === 'wrong_state') {
            expect([where, problem.currentState, problem.expectedStates]).toEqual([
              where,
              (resource as { state?: string }).state,
              verdict.expectedStates,
            ]);
          }
        }
      }
      // Refusals come before any task exists.
      expect((await api.listTasks({ client, query: { provider: name } })).data!.items.length).toBe(
        tasksBefore,
      );
    }
    // The sandbox seeds show each kind of refusal at least once.
    expect([...seen].sort()).toEqual(
      expect.arrayContaining(['boot_volume', 'not_releasable', 'unsupported_operation', 'wrong_state']),
    );
  });

  it('should show busy on every supported action while a task runs, and answer busy to a click', async () => {
    const server = resources
      .get('cm')!
      .find((r): r is Server => r.resourceType === 'server' && r.state === 'running')!;
    // The backend's stop call is slowed down, so the task surely still runs while the test looks.
    await sim(gateway.simulators.get('cm')!, 'POST', '/faults', {
      action: 'delay',
      method: 'POST',
      path: '/instances/[^/]+$',
      delayMs: 1500,
      count: 1,
    });
    const stop = await api.stopServer({ client, path: { id: server.id }, body: { force: true } });
    expect(stop.response.status).toBe(202);
    const taskId = stop.data!.id;
    const during = (await api.getServer({ client, path: { id: server.id } })).data!;
    const actions = during.allowedActions as unknown as Record<string, ActionVerdict>;
    for (const [key, verdict] of Object.entries(actions)) {
      if (verdict.reason === 'unsupported_operation') continue;
      expect([key, verdict]).toEqual([
        key,
        expect.objectContaining({ allowed: false, reason: 'busy', activeTaskId: taskId }),
      ]);
    }
    const click = await api.rebootServer({ client, path: { id: server.id } });
    expect(click.response.status).toBe(409);
    expect(click.error).toMatchObject({
      code: 'conflict',
      reason: 'busy',
      retryable: true,
      activeTaskId: taskId,
    });
    const done = await waitForTask(client, taskId);
    expect(done.status).toBe('succeeded');
    expect(done.result).toMatchObject({
      resourceType: 'server',
      state: 'stopped',
      allowedActions: { start: { allowed: true } },
    });
  });
});
