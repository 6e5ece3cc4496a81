import { IpState, NetworkState, ServerState, VolumeState } from '../../../domain/states';
import { ipState, networkState, serverState, stateIs, templatePhase, volumeState } from './states';

describe('IMCO state tables', () => {
  it.each([
    ['commissioning', ServerState.Provisioning],
    ['inactive', ServerState.Stopped],
    ['booting', ServerState.Starting],
    ['bootstrapping', ServerState.Starting],
    ['operational', ServerState.Running],
    ['Operational', ServerState.Running],
    ['shutting_down', ServerState.Stopping],
    ['decommissioning', ServerState.Deleting],
    ['stalled', ServerState.Error],
    ['commission_stalled', ServerState.Error],
    ['rebooting', ServerState.Unknown],
    ['hibernating', ServerState.Unknown],
  ])('should map server state %p to %p', (raw, expected) => {
    expect(serverState(raw)).toBe(expected);
  });

  it('should report an unmapped server state instead of throwing, and treat an absent one as unknown', () => {
    const seen: string[] = [];
    expect(serverState('migrating', (raw) => seen.push(raw))).toBe(ServerState.Unknown);
    expect(serverState(undefined, (raw) => seen.push(raw))).toBe(ServerState.Unknown);
    expect(seen).toEqual(['migrating']);
  });

  it('should let the attachment decide between available and in-use', () => {
    expect(volumeState('detached', false)).toBe(VolumeState.Available);
    expect(volumeState('attached', true)).toBe(VolumeState.InUse);
    expect(volumeState('available', true)).toBe(VolumeState.InUse);
    expect(volumeState('attached', false)).toBe(VolumeState.Available);
    expect(volumeState('attaching', true)).toBe(VolumeState.Attaching);
    expect(volumeState('commissioning', false)).toBe(VolumeState.Creating);
    expect(volumeState('decommissioning', false)).toBe(VolumeState.Deleting);
    expect(volumeState('error', false)).toBe(VolumeState.Error);
    expect(volumeState('shelved', false)).toBe(VolumeState.Unknown);
  });

  it('should map VPC states', () => {
    expect(networkState('commissioning')).toBe(NetworkState.Creating);
    expect(networkState('active')).toBe(NetworkState.Available);
    expect(networkState('decommissioning')).toBe(NetworkState.Deleting);
    expect(networkState('error')).toBe(NetworkState.Error);
    expect(networkState('peering')).toBe(NetworkState.Unknown);
  });

  it('should show a floating IP as attached only once it is', () => {
    expect(ipState('commissioning', false)).toBe(IpState.Allocating);
    expect(ipState('detached', false)).toBe(IpState.Available);
    expect(ipState('attaching', true)).toBe(IpState.Available);
    expect(ipState('attached', true)).toBe(IpState.Attached);
    expect(ipState('available', true)).toBe(IpState.Attached);
    expect(ipState('detaching', true)).toBe(IpState.Attached);
    expect(ipState('decommissioning', false)).toBe(IpState.Releasing);
    expect(ipState('reserved', false)).toBe(IpState.Unknown);
  });

  it('should read the four documented template states, take compiled as ready, and report any other', () => {
    const unknown: string[] = [];
    const phase = (raw: string) => templatePhase(raw, (state) => unknown.push(state));
    expect(['created', 'compiling', 'ready', 'compiled', 'compiling_error', 'queued'].map(phase)).toEqual([
      'created',
      'compiling',
      'ready',
      'ready',
      'failed',
      'unknown',
    ]);
    expect(unknown).toEqual(['queued']);
  });

  it('should compare raw states case-insensitively', () => {
    expect(stateIs({ state: 'Operational' }, 'operational')).toBe(true);
    expect(stateIs({ state: 'inactive' }, 'operational', 'booting')).toBe(false);
    expect(stateIs(null, 'inactive')).toBe(false);
    expect(stateIs({}, 'inactive')).toBe(false);
  });
});
