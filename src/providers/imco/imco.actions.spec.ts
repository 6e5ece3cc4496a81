import type { Server } from '../../domain/server.dto';
import { ServerState } from '../../domain/states';
import { imcoActions } from './imco.actions';

const server = (state: ServerState, providerState: string) => ({ state, providerState }) as Server;

describe('IMCO action rules', () => {
  it('should start a stalled server only when the connection may override it', () => {
    const stalled = server(ServerState.Error, 'stalled');
    expect(imcoActions({ overrideStalled: false }).rules!['server.start']!(stalled)).toMatchObject({
      reason: 'wrong_state',
      message: expect.stringContaining('overrideStalled'),
    });
    expect(imcoActions({ overrideStalled: true }).rules!['server.start']!(stalled)).toBeNull();
    expect(
      imcoActions({ overrideStalled: true }).rules!['server.start']!(
        server(ServerState.Error, 'commission_stalled'),
      ),
    ).toMatchObject({ reason: 'wrong_state' });
  });

  it('should reboot only a running server and rename anything but one being decommissioned', () => {
    const rules = imcoActions({ overrideStalled: false }).rules!;
    expect(rules['server.reboot']!(server(ServerState.Stopped, 'inactive'))).toMatchObject({
      reason: 'wrong_state',
      expectedStates: ['running', 'starting'],
    });
    expect(rules['server.reboot']!(server(ServerState.Running, 'operational'))).toBeNull();
    expect(rules['server.rename']!(server(ServerState.Deleting, 'decommissioning'))).toMatchObject({
      reason: 'wrong_state',
    });
    expect(rules['server.stop']!(server(ServerState.Provisioning, 'commissioning'))).toBeNull();
  });
});
