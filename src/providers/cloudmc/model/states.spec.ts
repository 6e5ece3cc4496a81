import { IpState, NetworkState, ServerState, VolumeState } from '../../../domain/states';
import { instanceState, ipState, networkState, volumeState } from './states';

describe('CloudMC state tables', () => {
  it.each([
    ['Starting', ServerState.Starting],
    ['Running', ServerState.Running],
    ['running', ServerState.Running],
    ['Stopping', ServerState.Stopping],
    ['Stopped', ServerState.Stopped],
    ['Shutdowned', ServerState.Stopped],
    ['Rebooting', ServerState.Rebooting],
    ['Migrating', ServerState.Running],
    ['Destroyed', ServerState.Deleted],
    ['Expunging', ServerState.Deleting],
    ['Error', ServerState.Error],
    ['Unknown', ServerState.Unknown],
    ['Hibernating', ServerState.Unknown],
  ])('should map instance state %p to %p', (raw, expected) => {
    expect(instanceState(raw)).toBe(expected);
  });

  it('should report an unmapped instance state instead of throwing', () => {
    const seen: string[] = [];
    expect(instanceState('Hibernating', (raw) => seen.push(raw))).toBe(ServerState.Unknown);
    expect(seen).toEqual(['Hibernating']);
  });

  it('should derive in-use from the attachment of a ready volume', () => {
    expect(volumeState('Ready', true)).toBe(VolumeState.InUse);
    expect(volumeState('Ready', false)).toBe(VolumeState.Available);
    expect(volumeState('Creating', true)).toBe(VolumeState.Creating);
    expect(volumeState('Expunged', false)).toBe(VolumeState.Deleted);
    expect(volumeState('Weird', false)).toBe(VolumeState.Unknown);
  });

  it('should map network states', () => {
    expect(networkState('Allocated')).toBe(NetworkState.Available);
    expect(networkState('Implemented')).toBe(NetworkState.Available);
    expect(networkState('Implementing')).toBe(NetworkState.Creating);
    expect(networkState('Odd')).toBe(NetworkState.Unknown);
  });

  it('should show a public IP with static NAT as attached', () => {
    expect(ipState('Allocated', true)).toBe(IpState.Attached);
    expect(ipState('Allocated', false)).toBe(IpState.Available);
    expect(ipState('Releasing', true)).toBe(IpState.Releasing);
    expect(ipState('Odd', false)).toBe(IpState.Unknown);
  });
});
