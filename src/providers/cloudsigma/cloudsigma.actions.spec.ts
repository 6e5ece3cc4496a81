import type { Server } from '../../domain/server.dto';
import type { Volume } from '../../domain/volume.dto';
import { ServerState, VolumeState } from '../../domain/states';
import { CLOUDSIGMA_ACTIONS } from './cloudsigma.actions';

const rules = CLOUDSIGMA_ACTIONS.rules!;
const drive = (state: VolumeState, extra: Record<string, unknown> = {}) =>
  ({ state, extra }) as unknown as Volume;

describe('CloudSigma action rules', () => {
  it('should refuse to detach a drive every server boots from, and allow it when one does not', () => {
    const boot = { serverId: 's1', device: 'ide:0:0', boot: true };
    expect(rules['volume.detach']!(drive(VolumeState.InUse, { attachments: [boot] }))).toMatchObject({
      reason: 'boot_volume',
    });
    const mixed = { attachments: [boot, { serverId: 's2', device: 'block:1' }] };
    expect(rules['volume.detach']!(drive(VolumeState.InUse, mixed))).toBeNull();
    expect(rules['volume.detach']!(drive(VolumeState.Available))).toBeNull();
  });

  it('should attach a drive that is in use only when it is claimed as shared', () => {
    expect(rules['volume.attach']!(drive(VolumeState.InUse, { claimType: 'exclusive' }))).toMatchObject({
      reason: 'wrong_state',
    });
    expect(rules['volume.attach']!(drive(VolumeState.InUse, { claimType: 'shared' }))).toBeNull();
    expect(rules['volume.delete']!(drive(VolumeState.InUse, { claimType: 'shared' }))).toMatchObject({
      reason: 'wrong_state',
    });
  });

  it('should rebuild only a server that boots from a disk (its boot list, else ide:0:0)', () => {
    const server = (extra: Record<string, unknown>) =>
      ({ state: ServerState.Running, extra }) as unknown as Server;
    const disk = (device: string, media = 'disk') => ({ device, driveId: 'd', media });
    expect(rules['server.rebuild']!(server({ devices: [disk('ide:0:0')] }))).toBeNull();
    expect(
      rules['server.rebuild']!(server({ boot: ['block:0'], devices: [disk('ide:0:0'), disk('block:0')] })),
    ).toBeNull();
    expect(rules['server.rebuild']!(server({ devices: [disk('ide:0:0', 'cdrom')] }))).toMatchObject({
      reason: 'wrong_state',
    });
    expect(rules['server.rebuild']!(server({ boot: ['ide:1:0'], devices: [disk('ide:0:0')] }))).toMatchObject(
      {
        reason: 'wrong_state',
      },
    );
    expect(rules['server.rebuild']!(server({}))).toMatchObject({ reason: 'wrong_state' });
  });
});
