import { IpState, VolumeState } from '../../domain/states';
import { refuseWhen, RefusalReason, type ActionRules } from '../ports/actions';

interface DriveAttachment {
  serverId: string | null;
  boot?: boolean;
}

const attachmentsOf = (extra: Record<string, unknown>) =>
  (extra.attachments as DriveAttachment[] | undefined) ?? [];

interface ServerDevice {
  device: string;
  media: string;
}

/**
 * Whether a server has a disk to boot from: a `disk` device its boot list names, or `ide:0:0` without a boot list
 * (docs/providers/cloudsigma.md#boot-drives). A rebuild replaces that disk.
 */
export function hasBootDisk(extra: Record<string, unknown>): boolean {
  const listed = (extra.boot as string[] | undefined) ?? [];
  const boot = new Set(listed.length ? listed : ['ide:0:0']);
  return ((extra.devices as ServerDevice[] | undefined) ?? []).some(
    (d) => d.media === 'disk' && boot.has(d.device),
  );
}

/**
 * What CloudSigma 1.0 accepts on an existing resource (docs/providers/cloudsigma.md, "State rules"). Power
 * actions have no rule: the adapter stops, starts or waits as each state needs. Drive changes stop and restart
 * a running server themselves, so the server's state does not limit them; so do a resize and a rebuild.
 */
export const CLOUDSIGMA_ACTIONS: ActionRules = {
  rules: {
    // A rebuild puts a fresh clone of the image on the boot device (docs/providers/cloudsigma.md#rebuild).
    'server.rebuild': refuseWhen((server) => !hasBootDisk(server.extra), {
      reason: RefusalReason.WrongState,
      message: 'The server has no boot disk to reinstall.',
    }),
    // 1.0 refuses to destroy a drive any server has ("currently in use").
    'volume.delete': refuseWhen((drive) => drive.state === VolumeState.InUse, {
      reason: RefusalReason.WrongState,
      message: 'The drive is attached to a server; detach it first.',
      expectedStates: [VolumeState.Available],
    }),
    // A drive goes on a second server only when it is claimed as shared.
    'volume.attach': refuseWhen(
      (drive) => drive.state === VolumeState.InUse && drive.extra.claimType !== 'shared',
      {
        reason: RefusalReason.WrongState,
        message: 'The drive is attached to a server and not shared; detach it first.',
        expectedStates: [VolumeState.Available],
      },
    ),
    'volume.detach': refuseWhen(
      (drive) => {
        const attachments = attachmentsOf(drive.extra);
        return attachments.length > 0 && attachments.every((a) => a.boot);
      },
      {
        reason: RefusalReason.BootVolume,
        message: 'This is the boot drive of its server; it cannot be detached.',
      },
    ),
    'ip.release': refuseWhen((ip) => ip.state === IpState.Attached, {
      reason: RefusalReason.WrongState,
      message: "A server's NIC uses the address; detach it first.",
      expectedStates: [IpState.Available],
    }),
    'ip.attach': refuseWhen((ip) => ip.state === IpState.Attached, {
      reason: RefusalReason.WrongState,
      message: 'A server uses the address; detach it first.',
      expectedStates: [IpState.Available],
    }),
  },
};
