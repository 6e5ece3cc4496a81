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
});
