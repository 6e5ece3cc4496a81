import type { ConnectionConfig } from '../../config/gateway-config';
import { ProviderKind, ResourceType, ServerState } from '../../domain/states';
import type { NativeServer } from '../ports/native';
import type { OperationPlan } from '../ports/operation-plan';
import type { ProviderAdapter } from '../ports/provider-adapter';
import { Connection } from './connection';

const native: NativeServer = {
  nativeId: 's-1',
  name: 'web',
  providerState: 'Running',
  state: ServerState.Running,
  cpuCores: 1,
  cpuMhz: null,
  memoryMb: 512,
  imageId: null,
  planId: null,
  locationId: null,
  ipAddresses: [],
  volumeIds: ['v-1'],
  networkIds: [],
  labels: {},
  extra: {},
};

class ClassPlan implements OperationPlan {
  readonly resourceType = ResourceType.Server;
  readonly cleaned: string[] = [];
  readonly steps = [{ name: 'start', run: async () => ({ status: 'done' as const, resource: native }) }];
  async onFailure(): Promise<void> {
    this.cleaned.push('cleaned');
  }
}

describe('Connection', () => {
  const plan = new ClassPlan();
  const adapter: ProviderAdapter = {
    name: 'cm1',
    kind: ProviderKind.Cloudmc,
    servers: { list: async () => ({ items: [native], skipped: [] }), get: async () => native },
    plans: { 'server.start': () => plan },
    probe: async () => undefined,
  };
  const connection = new Connection(adapter, { name: 'cm1', kind: 'cloudmc' } as ConnectionConfig);

  it('should list its capabilities from the readers and the plans map', () => {
    expect(connection.capabilities).toEqual(['server.read', 'server.start']);
    expect(connection.can('server.start')).toBe(true);
    expect(connection.can('server.stop')).toBe(false);
    expect(() =>
      connection.plan({ operation: 'server.stop', target: 's-1', input: { force: false }, taskId: 't' }),
    ).toThrow('cm1 cannot server.stop');
  });

  it('should read with gateway ids, one observation time per answer', async () => {
    const { items } = await connection.servers!.list();
    expect(items[0]).toMatchObject({ id: 'cm1:s-1', provider: 'cm1', volumeIds: ['cm1:v-1'] });
    expect(typeof items[0].stateObservedAt).toBe('string');
    expect((await connection.servers!.get('s-1'))?.id).toBe('cm1:s-1');
  });

  it('should normalize the resource a step reports and keep the methods of a plan built as a class', async () => {
    const wrapped = connection.plan({ operation: 'server.start', target: 's-1', input: {}, taskId: 't' });
    const outcome = await wrapped.steps[0].run({
      taskId: 't',
      nativeId: 's-1',
      state: {},
      polls: 0,
      stepStartedAt: Date.now(),
      resumed: false,
    });
    expect(outcome).toMatchObject({ status: 'done', resource: { id: 'cm1:s-1', volumeIds: ['cm1:v-1'] } });
    await wrapped.onFailure!({
      taskId: 't',
      nativeId: null,
      state: {},
      polls: 0,
      stepStartedAt: 0,
      resumed: false,
    });
    expect(plan.cleaned).toEqual(['cleaned']);
  });
});
