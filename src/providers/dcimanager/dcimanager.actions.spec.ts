import type { ConnectionConfig } from '../../config/gateway-config';
import { ProviderKind, ServerState } from '../../domain/states';
import type { Server } from '../../domain/server.dto';
import { judge } from '../registry/action-policy';
import { Connection } from '../registry/connection';
import type { ProviderAdapter } from '../ports/provider-adapter';
import { DCIMANAGER_ACTIONS } from './dcimanager.actions';

describe('DCImanager action rules', () => {
  it('should offer a hard power-off but no orderly shutdown', () => {
    const plan = () => ({ resourceType: 'server', steps: [] }) as never;
    const adapter: ProviderAdapter = {
      name: 'dc',
      kind: ProviderKind.Dcimanager,
      servers: { list: jest.fn(), get: jest.fn() },
      plans: { 'server.stop': plan },
      actions: DCIMANAGER_ACTIONS,
      probe: jest.fn(),
    };
    const connection = new Connection(adapter, { name: 'dc', kind: 'dcimanager' } as ConnectionConfig);
    const running = { state: ServerState.Running } as Server;
    expect(judge(connection, 'server.stop', running, null)).toMatchObject({
      allowed: false,
      reason: 'unsupported_operation',
      message: expect.stringContaining('{"force": true}'),
    });
    expect(judge(connection, 'server.forceStop', running, null)).toEqual({ allowed: true });
  });

  it('should reinstall only a server with no operation running, not suspended, with an IPv4 address to install from', () => {
    const plan = () => ({ resourceType: 'server', steps: [] }) as never;
    const adapter: ProviderAdapter = {
      name: 'dc',
      kind: ProviderKind.Dcimanager,
      servers: { list: jest.fn(), get: jest.fn() },
      plans: { 'server.rebuild': plan },
      actions: DCIMANAGER_ACTIONS,
      probe: jest.fn(),
    };
    const connection = new Connection(adapter, { name: 'dc', kind: 'dcimanager' } as ConnectionConfig);
    const v4 = [{ address: '203.0.113.10', version: 4, public: true }];
    const server = (state: ServerState, ipAddresses = v4) => ({ state, ipAddresses }) as Server;
    for (const state of [ServerState.Running, ServerState.Stopped, ServerState.Error, ServerState.Unknown])
      expect(judge(connection, 'server.rebuild', server(state), null)).toEqual({ allowed: true });
    for (const state of [ServerState.Provisioning, ServerState.Suspended])
      expect(judge(connection, 'server.rebuild', server(state), null)).toMatchObject({
        allowed: false,
        reason: 'wrong_state',
        expectedStates: ['running', 'stopped', 'error'],
      });
    const v6Only = [{ address: '2001:db8::1', version: 6, public: true }];
    expect(judge(connection, 'server.rebuild', server(ServerState.Running, v6Only), null)).toMatchObject({
      allowed: false,
      reason: 'wrong_state',
      message: expect.stringContaining('main IPv4 address'),
    });
  });
});
