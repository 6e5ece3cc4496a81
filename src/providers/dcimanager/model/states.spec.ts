import { IpState, ServerState } from '../../../domain/states';
import { ipState, operationPhase, operationProgress, serverState } from './states';
import type { DciServer } from '../client/wire';

// Shaped like the docs' server object: operation null when idle, `state` ok, `power_status` on/off/unknown.
const server = (fields: Partial<DciServer> = {}): DciServer => ({
  id: 4100,
  state: 'ok',
  power_status: 'on',
  operation: null,
  ip: [],
  has_errors: false,
  ...fields,
});

describe('DCImanager server state (the table of docs/providers/dcimanager.md#server-state, in order)', () => {
  const unknown: string[] = [];
  const derive = (fields: Partial<DciServer>) => serverState(server(fields), (raw) => unknown.push(raw));
  beforeEach(() => (unknown.length = 0));

  it('should put a running operation first, whatever power and state say', () => {
    expect(
      derive({ operation: { id: 9, status: 'running', progress_info: [] }, state: 'suspended' }),
    ).toEqual({
      state: ServerState.Provisioning,
      providerState: 'operation:running',
    });
    expect(derive({ operation: { id: 9, status: 'fail' } })).toEqual({
      state: ServerState.Error,
      providerState: 'operation:fail',
    });
  });

  it('should show a finished operation left on the server as settled', () => {
    expect(derive({ operation: { id: 9, status: 'complete' }, power_status: 'off' }).state).toBe(
      ServerState.Stopped,
    );
  });

  it('should map the administrative states, then errors, then power', () => {
    expect(derive({ state: 'suspending' }).state).toBe(ServerState.Suspended);
    expect(derive({ state: 'suspended', power_status: 'off' })).toEqual({
      state: ServerState.Suspended,
      providerState: 'suspended',
    });
    expect(derive({ state: 'resume_error' }).state).toBe(ServerState.Error);
    expect(derive({ has_errors: true })).toEqual({ state: ServerState.Error, providerState: 'has_errors' });
    expect(derive({ ip: [{ id: 1, name: '192.0.2.9', status: 'allocation_fail' }] }).state).toBe(
      ServerState.Error,
    );
    expect(derive({ power_status: 'ON' })).toEqual({ state: ServerState.Running, providerState: 'on' });
    expect(derive({ power_status: 'off' }).state).toBe(ServerState.Stopped);
    expect(derive({ power_status: 'unknown' }).state).toBe(ServerState.Unknown);
    expect(unknown).toEqual([]);
  });

  it('should report values it does not know and show them as unknown, never throw', () => {
    expect(derive({ power_status: 'standby' })).toEqual({
      state: ServerState.Unknown,
      providerState: 'standby',
    });
    expect(derive({ state: 'blocked_by_billing' }).state).toBe(ServerState.Unknown);
    // An operation status nobody documented: the server is busy with something.
    expect(derive({ operation: { id: 3, status: 'flashing_bios' } }).state).toBe(ServerState.Provisioning);
    expect(unknown).toEqual(['standby', 'blocked_by_billing', 'flashing_bios']);
  });
});

describe('DCImanager operations and addresses', () => {
  it('should tell running, done and failed operations apart', () => {
    expect(operationPhase(null)).toBeNull();
    expect(operationPhase({ status: 'created' })).toBe('running');
    expect(operationPhase({ status: 'complete' })).toBe('done');
    expect(operationPhase({ status: 'install_error' })).toBe('failed');
  });

  it('should read progress from stage statuses or from numbers', () => {
    expect(
      operationProgress({
        progress_info: [
          { name: 'prepare', status: 'complete' },
          { name: 'install', status: 'running' },
          { name: 'reboot', status: 'pending' },
          { name: 'configure', status: 'pending' },
        ],
      }),
    ).toBe(25);
    expect(operationProgress({ progress_info: [{ progress: 40 }, { progress: 55 }] })).toBe(55);
    expect(operationProgress({ progress_info: [{}] })).toBe(0);
    expect(operationProgress({ progress_info: [] })).toBeUndefined();
    expect(operationProgress(null)).toBeUndefined();
  });

  it('should map the documented address statuses', () => {
    expect(ipState('allocating')).toBe(IpState.Allocating);
    expect(ipState('in_progress')).toBe(IpState.Allocating);
    expect(ipState('deleting')).toBe(IpState.Releasing);
    expect(ipState('ok')).toBe(IpState.Attached);
    expect(ipState('fail')).toBe(IpState.Error);
    expect(ipState('allocation_fail')).toBe(IpState.Error);
    expect(ipState('reserved')).toBe(IpState.Unknown);
  });
});
