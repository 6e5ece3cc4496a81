import type { IpAddress } from '../../domain/ip-address.dto';
import type { Server } from '../../domain/server.dto';
import type { Volume } from '../../domain/volume.dto';
import { IpState, ServerState, VolumeState } from '../../domain/states';
import { CLOUDMC_ACTIONS } from './cloudmc.actions';

const rules = CLOUDMC_ACTIONS.rules!;
const server = (state: ServerState) => ({ state }) as Server;
const volume = (state: VolumeState, bootable = false) =>
  ({ state, bootable, extra: {} }) as unknown as Volume;
const ip = (state: IpState, sourceNat = false) => ({ state, extra: { sourceNat } }) as unknown as IpAddress;

describe('CloudMC action rules', () => {
  it('should refuse the source-NAT address to release and attach, and nothing else about it', () => {
    expect(rules['ip.release']!(ip(IpState.Available, true))).toMatchObject({ reason: 'not_releasable' });
    expect(rules['ip.attach']!(ip(IpState.Available, true))).toMatchObject({ reason: 'not_releasable' });
    expect(rules['ip.release']!(ip(IpState.Available))).toBeNull();
    expect(rules['ip.attach']!(ip(IpState.Attached))).toMatchObject({ reason: 'wrong_state' });
  });

  it('should keep a root volume with its server and refuse to delete an attached one', () => {
    expect(rules['volume.delete']!(volume(VolumeState.InUse, true))).toMatchObject({ reason: 'boot_volume' });
    expect(rules['volume.detach']!(volume(VolumeState.InUse, true))).toMatchObject({ reason: 'boot_volume' });
    expect(rules['volume.delete']!(volume(VolumeState.InUse))).toMatchObject({
      reason: 'wrong_state',
      expectedStates: ['available'],
    });
    expect(rules['volume.detach']!(volume(VolumeState.InUse))).toBeNull();
    expect(rules['volume.delete']!(volume(VolumeState.Available))).toBeNull();
  });

  it('should allow power actions in the states the steps wait through, and refuse them on an errored or gone server', () => {
    expect(rules['server.start']!(server(ServerState.Stopping))).toBeNull();
    expect(rules['server.start']!(server(ServerState.Running))).toBeNull();
    expect(rules['server.start']!(server(ServerState.Rebooting))).toMatchObject({ reason: 'wrong_state' });
    expect(rules['server.stop']!(server(ServerState.Error))).toMatchObject({ reason: 'wrong_state' });
    expect(rules['server.reboot']!(server(ServerState.Deleted))).toMatchObject({ reason: 'wrong_state' });
    expect(rules['server.reboot']!(server(ServerState.Unknown))).toBeNull();
  });

  it('should resize a server running, stopped or in a transition the step waits through, never an errored one', () => {
    for (const state of [ServerState.Running, ServerState.Stopped, ServerState.Stopping, ServerState.Unknown])
      expect(rules['server.resize']!(server(state))).toBeNull();
    expect(rules['server.resize']!(server(ServerState.Error))).toMatchObject({ reason: 'wrong_state' });
  });

  it('should grow ready data volumes, attached or not, and never a root volume', () => {
    expect(rules['volume.resize']!(volume(VolumeState.InUse))).toBeNull();
    expect(rules['volume.resize']!(volume(VolumeState.Available))).toBeNull();
    expect(rules['volume.resize']!(volume(VolumeState.InUse, true))).toMatchObject({ reason: 'boot_volume' });
    expect(rules['volume.resize']!(volume(VolumeState.Creating))).toMatchObject({
      reason: 'wrong_state',
      expectedStates: ['available', 'in-use'],
    });
  });
});
