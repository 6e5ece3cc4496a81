import type { Volume } from '../../domain/volume.dto';
import { VolumeState } from '../../domain/states';
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
});
