import type { IpAddress } from '../../domain/ip-address.dto';
import { IpState, ServerState, VolumeState } from '../../domain/states';
import {
  allOf,
  inStates,
  refuseWhen,
  RefusalReason,
  type ActionRefusal,
  type ActionRules,
} from '../ports/actions';

const sourceNat = (ip: IpAddress) => ip.extra.sourceNat === true;
const notReleasable: ActionRefusal = {
  reason: RefusalReason.NotReleasable,
  message:
    "This is the VPC's source-NAT address: CloudMC keeps it for the VPC; it is never attached or released.",
};
const rootVolume = (message: string): ActionRefusal => ({ reason: RefusalReason.BootVolume, message });
const attached = (noun: string): ActionRefusal => ({
  reason: RefusalReason.WrongState,
  message: `The ${noun} is attached to a server; detach it first.`,
  expectedStates: ['available'],
});

/**
 * What CloudMC (CloudStack underneath) accepts on an existing resource, as the adapter's steps treat each state
 * (docs/providers/cloudmc.md, "State rules the adapter enforces"). States a step waits through are allowed; an
 * action that would change nothing (start a running server) is allowed and ends at once.
 */
export const CLOUDMC_ACTIONS: ActionRules = {
  rules: {
    'server.start': inStates(
      [ServerState.Stopped, ServerState.Running, ServerState.Starting, ServerState.Stopping],
      'CloudMC starts a stopped server.',
    ),
    'server.stop': inStates(
      [
        ServerState.Running,
        ServerState.Stopped,
        ServerState.Starting,
        ServerState.Rebooting,
        ServerState.Stopping,
      ],
      'CloudMC stops a running server.',
    ),
    'server.forceStop': inStates(
      [
        ServerState.Running,
        ServerState.Stopped,
        ServerState.Starting,
        ServerState.Rebooting,
        ServerState.Stopping,
      ],
      'CloudMC stops a running server.',
    ),
    'server.reboot': inStates(
      [
        ServerState.Running,
        ServerState.Stopped,
        ServerState.Starting,
        ServerState.Stopping,
        ServerState.Rebooting,
      ],
      'CloudMC reboots a running or stopped server.',
    ),
    'server.resize': inStates(
      [
        ServerState.Running,
        ServerState.Stopped,
        ServerState.Starting,
        ServerState.Stopping,
        ServerState.Rebooting,
      ],
      'CloudMC changes the offering of a running or stopped server (it reboots a running one).',
    ),
    'volume.resize': allOf(
      refuseWhen(
        (volume) => volume.bootable,
        rootVolume('This is the root volume of its server; CloudMC sizes it only when the server is made.'),
      ),
      inStates(
        [VolumeState.Available, VolumeState.InUse],
        'CloudMC resizes a data volume that is ready (attached or not).',
      ),
    ),
    'volume.delete': allOf(
      refuseWhen(
        (volume) => volume.bootable,
        rootVolume('This is the root volume of its server; it goes with the server.'),
      ),
      refuseWhen((volume) => volume.state === VolumeState.InUse, attached('volume')),
    ),
    'volume.detach': refuseWhen(
      (volume) => volume.bootable,
      rootVolume('This is the root volume of its server; it cannot be detached.'),
    ),
    'volume.attach': allOf(
      refuseWhen(
        (volume) => volume.bootable,
        rootVolume('This is the root volume of its server; it cannot move.'),
      ),
      refuseWhen((volume) => volume.state === VolumeState.InUse, attached('volume')),
    ),
    'ip.release': refuseWhen(sourceNat, notReleasable),
    'ip.attach': allOf(
      refuseWhen(sourceNat, notReleasable),
      refuseWhen((ip) => ip.state === IpState.Attached, attached('address')),
    ),
  },
};
