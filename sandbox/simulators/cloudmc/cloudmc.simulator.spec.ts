import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SEED_IDS } from './cloudmc-sim.seed';
import {
  type Answer,
  SimTestClient,
  item,
  rows,
  svc,
} from '../../../test/support/simulators/cloudmc-sim.test-client';
import { type CloudmcSimulatorHandle, cloudmcSimulator, startCloudmcSimulator } from './cloudmc.simulator';

// Exercises the simulator over real HTTP, as a CloudMC client would (GO/JS send the JSON content type always).

let sim: CloudmcSimulatorHandle;

const client = new SimTestClient(() => sim);
const call = (method: string, path: string, body?: unknown, key?: string | null) =>
  client.call(method, path, body, key);
const finish = (taskId: string) => client.finish(taskId);
const mutate = (method: string, path: string, body?: unknown) => client.mutate(method, path, body);

const newInstance = {
  name: 'app-1',
  templateId: SEED_IDS.templateDebian,
  computeOfferingId: SEED_IDS.offeringSmall,
  networkId: SEED_IDS.network,
};

beforeAll(async () => {
  sim = await startCloudmcSimulator({ host: '127.0.0.1', port: 0, speed: 200 });
});

afterAll(async () => {
  await sim.stop();
});

beforeEach(async () => {
  expect((await call('POST', '/__sim/reset')).status).toBe(200);
});

describe('cloudmc simulator definition', () => {
  it('starts with a connection block for the gateway config', async () => {
    const handle = await cloudmcSimulator.start({
      host: '127.0.0.1',
      port: 0,
      speed: 200,
      dataDir: mkdtempSync(join(tmpdir(), 'cloudmux-cloudmc-sim-')),
    });
    try {
      expect(handle.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(handle.connection).toEqual({
        kind: 'cloudmc',
        endpoint: `${handle.url}/api/v2`,
        apiKey: expect.stringMatching(/^[0-9a-f]{48}$/),
        serviceCode: 'compute-sim',
        environment: 'sandbox',
      });
      const response = await fetch(
        `${handle.connection.endpoint as string}/services/compute-sim/sandbox/zones`,
        {
          headers: { 'MC-Api-Key': handle.connection.apiKey as string },
        },
      );
      expect(response.status).toBe(200);
    } finally {
      await handle.stop();
    }
  });
});

describe('auth, envelopes and routing', () => {
  it('answers 401 with the errors envelope without a valid MC-Api-Key', async () => {
    for (const key of [null, 'wrong-key']) {
      const { status, body } = await call('GET', svc('instances'), undefined, key);
      expect(status).toBe(401);
      expect(body.errors[0]).toEqual({ code: 1001, message: expect.any(String), context: {} });
    }
  });

  it('wraps lists in data + metadata.recordCount and single reads in data', async () => {
    const list = await call('GET', svc('instances'));
    expect(list.status).toBe(200);
    expect(list.body.metadata).toEqual({ recordCount: 1 });
    expect(rows(list.body)[0]).toMatchObject({
      id: SEED_IDS.instance,
      state: 'Running',
      imageId: SEED_IDS.templateUbuntu,
    });
    expect(rows(list.body)[0].ipAddressId).toBeUndefined();

    const one = await call('GET', svc(`instances/${SEED_IDS.instance}`));
    expect(one.body.metadata).toBeUndefined();
    expect(item(one.body)).toMatchObject({
      id: SEED_IDS.instance,
      ipAddressId: SEED_IDS.instanceIpAddressId,
      userData: '',
      publicIps: [],
      nics: [{ id: SEED_IDS.instanceNic, isDefault: true, networkId: SEED_IDS.network }],
      vpcId: SEED_IDS.vpc,
      zoneName: 'MTL-1',
    });
  });

  it('answers 404 for unknown service codes, environments, entity types, ids and paths', async () => {
    for (const path of [
      '/services/compute-xx/sandbox/instances',
      '/services/compute-sim/other/instances',
      svc('gadgets'),
      svc('constructor'),
      svc('instances/00000000-0000-4000-8000-000000000000'),
      '/nothing/here',
    ]) {
      const { status, body } = await call('GET', path);
      expect(status).toBe(404);
      expect(body.errors[0].code).toBe(1002);
    }
  });

  it('answers 405 for a wrong verb on a known path', async () => {
    expect((await call('PUT', svc('instances'), {})).status).toBe(405);
    expect((await call('DELETE', svc(`zones/${SEED_IDS.zoneMtl}`))).status).toBe(405);
    expect((await call('POST', svc('templates'), {})).status).toBe(405);
    expect((await call('DELETE', '/tasks/abc')).status).toBe(405);
  });

  describe('unsupported operations answer 405 with one error body, everywhere (see the header)', () => {
    const instance = svc(`instances/${SEED_IDS.instance}`);
    const cases: [string, string, unknown?][] = [
      // unknown or unmodelled operations on entities that have operations
      ['POST', `${instance}?operation=changeNetwork`, { networkId: SEED_IDS.network }],
      ['POST', `${instance}?operation=resetPassword`],
      ['POST', instance],
      ['POST', svc(`volumes/${SEED_IDS.rootVolume}?operation=createSnapshotFromVolume`), { snapshot: {} }],
      ['POST', svc('sshkeys/sim-key?operation=associate')],
      ['POST', svc(`publicipaddresses/${SEED_IDS.sourceNatIp}?operation=associate`)],
      ['POST', svc('instances?operation=start')],
      ['POST', `${instance}?operation=constructor`],
      // operations on entities that have none
      ['POST', svc(`networks/${SEED_IDS.network}?operation=replace`), { networkAclId: SEED_IDS.aclDeny }],
      ['POST', svc(`vpcs/${SEED_IDS.vpc}?operation=restart`)],
      // verbs an entity type does not take
      ['POST', svc('vpcs'), { name: 'v2', description: 'd', vpcOfferingId: SEED_IDS.vpcOffering }],
      ['PUT', svc(`vpcs/${SEED_IDS.vpc}`), { name: 'renamed' }],
      ['DELETE', svc(`vpcs/${SEED_IDS.vpc}`)],
      ['PUT', svc('instances'), {}],
      ['PATCH', instance, { name: 'x' }],
      ['DELETE', svc(`zones/${SEED_IDS.zoneMtl}`)],
      ['POST', svc('templates'), {}],
      // whole collections of the CloudStack plugin that the simulator does not model
      ['GET', svc('portforwardingrules')],
      ['GET', svc('portforwardingrules/ad5bcae8-ee8b-4ee8-a7a4-381c25444b8e')],
      ['POST', svc('portforwardingrules'), { ipAddressId: SEED_IDS.sourceNatIp, protocol: 'TCP' }],
      ['DELETE', svc('portforwardingrules/ad5bcae8-ee8b-4ee8-a7a4-381c25444b8e')],
      ['GET', svc('snapshots')],
      ['POST', svc('loadbalancerrules'), {}],
      // outside the services paths
      ['DELETE', '/tasks/abc'],
      ['POST', '/environments', { name: 'env2' }],
    ];

    // Objects, not arrays: jest would pass a missing third array member as a `done` callback.
    it.each(cases.map(([method, path, body]) => ({ method, path, body })))(
      '$method $path',
      async ({ method, path, body }) => {
        const answer = await call(method, path, body);
        expect(answer).toEqual({
          status: 405,
          body: {
            errors: [
              {
                code: 1003,
                message: expect.stringMatching(/^Cannot use .+ on .+/),
                context: expect.objectContaining({ method }),
              },
            ],
          },
        });
      },
    );

    it('names the entity type and the operation in the context', async () => {
      const { body } = await call('POST', svc(`vpcs/${SEED_IDS.vpc}?operation=restart`));
      expect(body.errors[0]).toEqual({
        code: 1003,
        message: 'Cannot use POST ?operation=restart on vpcs',
        context: { method: 'POST', operation: 'restart', type: 'vpcs' },
      });
    });

    it('decides before looking the id up, and changes nothing', async () => {
      const unknown = svc('instances/00000000-0000-4000-8000-000000000000?operation=resetPassword');
      expect((await call('POST', unknown)).status).toBe(405);
      expect((await call('GET', '/__sim/state')).body.tasks).toEqual({ live: 0, pending: 0 });
    });

    it("uses go-cloudca's string form when errorKey is errorCode", async () => {
      await call('POST', '/__sim/config', { errorKey: 'errorCode' });
      const { status, body } = await call('GET', svc('portforwardingrules'));
      expect(status).toBe(405);
      expect(body.errors[0]).toMatchObject({ errorCode: 'METHOD_NOT_ALLOWED' });
    });
  });

  it('reports every missing required field of a create, one entry each', async () => {
    const { status, body } = await call('POST', svc('instances'), { name: 'only-a-name' });
    expect(status).toBe(400);
    expect(body.errors).toEqual(
      ['templateId', 'computeOfferingId', 'networkId'].map((field) => ({
        code: 2002,
        message: `The field ${field} is required`,
        context: { field },
      })),
    );
    const one = await call('POST', svc('volumes'), { name: 'v', diskOfferingId: SEED_IDS.disk20 });
    expect(one.body.errors).toHaveLength(1);
  });

  it('rejects a wrong-state operation with the documented 2012 error', async () => {
    const { status, body } = await call('POST', svc(`instances/${SEED_IDS.instance}?operation=start`));
    expect(status).toBe(400);
    expect(body).toEqual({
      errors: [
        {
          code: 2012,
          message: "Cannot start an instance that isn't in the stopped state",
          context: {
            id: SEED_IDS.instance,
            currentState: 'Running',
            expectedStates: ['Stopped'],
            type: 'instances',
          },
        },
      ],
    });
  });

  it('names the bad field in context and refuses malformed JSON', async () => {
    const missing = await call('POST', svc('instances'), { ...newInstance, name: undefined });
    expect(missing.status).toBe(400);
    expect(missing.body.errors[0].context.field).toBe('name');

    const custom = await call('POST', svc('instances'), {
      ...newInstance,
      computeOfferingId: SEED_IDS.offeringCustom,
      cpuCount: 3,
      memoryInMB: 1024,
    });
    expect(custom.body.errors[0].context).toMatchObject({ field: 'cpuCount', allowedValues: [1, 2, 4, 8] });

    const response = await fetch(`${sim.apiUrl}${svc('instances')}`, {
      method: 'POST',
      headers: { 'MC-Api-Key': sim.apiKey, 'Content-Type': 'application/json' },
      body: '{"name": ',
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as Answer).errors[0].context).toEqual({ field: 'body' });
  });

  it('uses go-cloudca string errorCode when configured', async () => {
    await call('POST', '/__sim/config', { errorKey: 'errorCode' });
    const { body } = await call('POST', svc(`instances/${SEED_IDS.instance}?operation=purge`));
    expect(body.errors[0]).toMatchObject({
      errorCode: 'INVALID_STATE',
      context: { currentState: 'Running' },
    });
    expect(body.errors[0].code).toBeUndefined();
  });

  it('serves injected faults in the errors envelope', async () => {
    await call('POST', '/__sim/faults', { action: 'error', status: 503, path: '/instances$', count: 1 });
    const { status, body } = await call('GET', svc('instances'));
    expect(status).toBe(503);
    expect(body.errors[0]).toMatchObject({ code: 1000, message: 'Injected failure' });
    expect((await call('GET', svc('instances'))).status).toBe(200);
  });
});

describe('tasks', () => {
  it('answers shape B by default and shape A when configured', async () => {
    const data = await mutate('POST', svc(`instances/${SEED_IDS.instance}?operation=reboot`));
    expect(data).toMatchObject({ status: 'SUCCESS', result: { id: SEED_IDS.instance, state: 'Running' } });
    expect(data.created).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}-04:00$/);

    await call('POST', '/__sim/config', { taskShape: 'A' });
    const { body } = await call('POST', svc(`instances/${SEED_IDS.instance}?operation=reboot`));
    let polled: Answer | undefined;
    for (let attempt = 0; attempt < 500; attempt++) {
      polled = (await call('POST', `/tasks/${body.taskId}`)).body; // the docs' sample polls with POST
      if (polled.taskStatus !== 'PENDING') break;
      expect(polled).toEqual({ taskId: body.taskId, taskStatus: 'PENDING' });
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(polled).toEqual({
      taskId: body.taskId,
      taskStatus: 'SUCCESS',
      result: expect.objectContaining({ id: SEED_IDS.instance }),
    });
  });

  it('forgets tasks after taskTtlMs (404 with the errors envelope)', async () => {
    await call('POST', '/__sim/config', { taskTtlMs: 20 });
    const { body } = await call('POST', svc(`instances/${SEED_IDS.instance}?operation=stop`));
    await new Promise((resolve) => setTimeout(resolve, 60));
    const expired = await call('GET', `/tasks/${body.taskId}`);
    expect(expired.status).toBe(404);
    expect(expired.body.errors[0]).toMatchObject({ code: 1002, context: { id: body.taskId, type: 'tasks' } });
    const state = await call('GET', '/__sim/state');
    expect(state.body.tasks.live).toBe(0);
  });

  it('ends injected failures FAILED with a message and leaves nothing behind', async () => {
    await call('POST', '/__sim/config', { failOperations: { 'instances.create': 1 } });
    const failed = await mutate('POST', svc('instances'), newInstance);
    expect(failed).toMatchObject({ status: 'FAILED', result: { message: expect.any(String) } });
    const state = await call('GET', '/__sim/state');
    expect(state.body.counts).toMatchObject({ instances: 1, volumes: 1 });
    expect((await mutate('POST', svc('instances'), newInstance)).status).toBe('SUCCESS');
  });
});

describe('instance lifecycle', () => {
  it('creates, powers, renames, destroys, recovers and purges an instance', async () => {
    const accepted = await call('POST', svc('instances'), {
      ...newInstance,
      diskOfferingId: SEED_IDS.disk20,
    });
    const starting = await call('GET', svc('instances'));
    expect(rows(starting.body).find((i) => i.name === 'app-1')?.state).toBe('Starting');
    const created = await finish(accepted.body.taskId);
    expect(created.status).toBe('SUCCESS');
    expect(created.result).toMatchObject({
      name: 'app-1',
      state: 'Running',
      password: expect.any(String),
      ipAddress: '10.200.1.11',
    });
    const id = created.result.id as string;
    const volumes = await call('GET', svc(`volumes?instance_id=${id}`));
    expect(rows(volumes.body).map((v) => [v.type, v.state, v.sizeInGb])).toEqual([
      ['os', 'Ready', 10],
      ['data', 'Ready', 20],
    ]);

    expect(
      (await mutate('POST', svc(`instances/${id}?operation=stop`), { forceStop: false })).result.state,
    ).toBe('Stopped');
    expect((await mutate('POST', svc(`instances/${id}?operation=start`))).result.state).toBe('Running');
    expect(
      (await mutate('PUT', svc(`instances/${id}`), { name: 'app-renamed', hostname: 'app-renamed' })).result,
    ).toMatchObject({
      name: 'app-renamed',
      state: 'Running',
    });

    expect((await mutate('DELETE', svc(`instances/${id}`))).result.state).toBe('Destroyed');
    expect((await call('GET', svc('instances'))).body.metadata?.recordCount).toBe(2);
    expect((await mutate('POST', svc(`instances/${id}?operation=recover`))).result.state).toBe('Stopped');

    const deleting = await call('DELETE', svc(`instances/${id}`), { purgeImmediately: true });
    expect(item((await call('GET', svc(`instances/${id}`))).body).state).toBe('Expunging');
    expect((await finish(deleting.body.taskId)).status).toBe('SUCCESS');
    expect((await call('GET', svc(`instances/${id}`))).status).toBe(404);
    const left = await call('GET', svc('volumes?type=data'));
    expect(rows(left.body)).toEqual([expect.objectContaining({ name: 'DATA-app-1', state: 'Ready' })]);
    expect(rows(left.body)[0].instanceId).toBeUndefined();
  });
});
