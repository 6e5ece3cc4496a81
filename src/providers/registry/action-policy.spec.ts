import type { Server } from '../../domain/server.dto';
import type { Volume } from '../../domain/volume.dto';
import { ProviderKind, ResourceType, ServerState, VolumeState } from '../../domain/states';
import { allowedActions, judge } from './action-policy';
import { inStates, RefusalReason } from '../ports/actions';
import type { ConnectionConfig } from '../../config/gateway-config';
import type { ProviderAdapter } from '../ports/provider-adapter';
import { Connection } from './connection';

const plan = () => ({ resourceType: 'server', steps: [] }) as never;

function adapter(overrides: Partial<ProviderAdapter> = {}): Connection {
  const native: ProviderAdapter = {
    name: 'c1',
    kind: ProviderKind.Dcimanager,
    servers: { list: jest.fn(), get: jest.fn() },
    volumes: { list: jest.fn(), get: jest.fn() },
    plans: { 'server.start': plan, 'server.stop': plan, 'server.delete': plan, 'volume.delete': plan },
    unsupportedReasons: { 'server.reboot': 'no reset on this backend' },
    probe: jest.fn(),
    ...overrides,
  };
  return new Connection(native, { name: 'c1', kind: 'dcimanager' } as ConnectionConfig);
}

const server = (state: ServerState) => ({ id: 'c1:1', nativeId: '1', provider: 'c1', state }) as Server;
const volume = (state: VolumeState) => ({ id: 'c1:v', nativeId: 'v', provider: 'c1', state }) as Volume;

describe('action policy', () => {
  it('should refuse an operation the adapter lacks as unsupported, with the reason the capability document gives', () => {
    expect(judge(adapter(), 'server.reboot', server(ServerState.Running), null)).toEqual({
      allowed: false,
      reason: RefusalReason.UnsupportedOperation,
      message: 'no reset on this backend',
    });
    expect(judge(adapter(), 'server.rename', server(ServerState.Running), null)).toMatchObject({
      allowed: false,
      reason: RefusalReason.UnsupportedOperation,
    });
  });

  it('should refuse an action the backend declares unsupported although its operation exists (a graceful stop)', () => {
    const bareMetal = adapter({ actions: { unsupported: { 'server.stop': 'only a hard power-off' } } });
    expect(judge(bareMetal, 'server.stop', server(ServerState.Running), null)).toMatchObject({
      reason: RefusalReason.UnsupportedOperation,
      message: 'only a hard power-off',
    });
    expect(judge(bareMetal, 'server.forceStop', server(ServerState.Running), null)).toEqual({
      allowed: true,
    });
  });

  it('should say busy, naming the task, before any rule on the state', () => {
    const strict = adapter({
      actions: { rules: { 'server.start': inStates([ServerState.Stopped], 'start needs a stopped server') } },
    });
    expect(judge(strict, 'server.start', server(ServerState.Running), '01TASK')).toMatchObject({
      allowed: false,
      reason: RefusalReason.Busy,
      activeTaskId: '01TASK',
    });
    // Unsupported still comes first: no task makes a backend able to do it.
    expect(judge(strict, 'server.reboot', server(ServerState.Running), '01TASK')).toMatchObject({
      reason: RefusalReason.UnsupportedOperation,
    });
  });

  it('should apply the backend rule on the current state, and give unknown states a try', () => {
    const strict = adapter({
      actions: { rules: { 'volume.delete': inStates([VolumeState.Available], 'detach it first') } },
    });
    expect(judge(strict, 'volume.delete', volume(VolumeState.InUse), null)).toEqual({
      allowed: false,
      reason: RefusalReason.WrongState,
      message: 'detach it first',
      expectedStates: ['available'],
    });
    expect(judge(strict, 'volume.delete', volume(VolumeState.Available), null)).toEqual({ allowed: true });
    expect(judge(strict, 'volume.delete', volume(VolumeState.Unknown), null)).toEqual({ allowed: true });
  });

  it('should give every action of the type, keyed by its short name', () => {
    const verdicts = allowedActions(adapter(), ResourceType.Server, server(ServerState.Stopped), null);
    expect(Object.keys(verdicts).sort()).toEqual([
      'delete',
      'forceStop',
      'reboot',
      'rebuild',
      'rename',
      'resize',
      'start',
      'stop',
    ]);
    expect(verdicts).toMatchObject({ start: { allowed: true }, reboot: { allowed: false } });
  });
});
