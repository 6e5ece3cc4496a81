import type { Server } from '../../domain/server.dto';
import { IpState, ServerState, VolumeState } from '../../domain/states';
import { allOf, inStates, refuseWhen, RefusalReason, type ActionRules } from '../ports/actions';

const attachedElsewhere = (noun: string) => ({
  reason: RefusalReason.WrongState as const,
  message: `The ${noun} is attached to a server; detach it first.`,
  expectedStates: ['available'],
});

/**
 * What IMCO accepts on an existing resource, as the adapter's power and attachment steps treat each server state
 * (docs/providers/imco.md#state-rules). States the steps wait through (commissioning, booting, shutting down)
 * are allowed: the task waits, then acts. A `stalled` server can be started only with `overrideStalled`.
 * Resize and rebuild have no rule: IMCO has neither (docs/providers/imco.md#resize-and-rebuild), and
 * `allowedActions` says so from `unsupportedReasons`. An SSH key has no state: its delete has no rule either
 * (the plan refuses a key a server uses: docs/providers/imco.md#ssh-keys).
 */
export function imcoActions(options: { overrideStalled: boolean }): ActionRules {
  const startable = allOf(
    refuseWhen(
      (server: Server) =>
        server.state === ServerState.Error &&
        !(options.overrideStalled && server.providerState === 'stalled'),
      {
        reason: RefusalReason.WrongState,
        message: options.overrideStalled
          ? 'The server is stalled in commissioning; IMCO cannot start it.'
          : 'The server is stalled; IMCO starts it only through an override (the connection sets overrideStalled).',
        expectedStates: [ServerState.Stopped],
      },
    ),
    inStates(
      [
        ServerState.Stopped,
        ServerState.Running,
        ServerState.Starting,
        ServerState.Provisioning,
        ServerState.Stopping,
        ServerState.Error,
      ],
      'IMCO starts a server that is stopped (inactive).',
    ),
  );
  const stoppable = inStates(
    [
      ServerState.Running,
      ServerState.Stopped,
      ServerState.Stopping,
      ServerState.Provisioning,
      ServerState.Starting,
    ],
    'IMCO shuts down a server that is running (operational).',
  );
  return {
    rules: {
      'server.start': startable,
      'server.stop': stoppable,
      'server.forceStop': stoppable,
      'server.reboot': inStates(
        [ServerState.Running, ServerState.Starting],
        'IMCO reboots a server that is running (operational).',
      ),
      'server.rename': refuseWhen((server) => server.state === ServerState.Deleting, {
        reason: RefusalReason.WrongState,
        message: 'The server is being decommissioned.',
        expectedStates: [ServerState.Running, ServerState.Stopped],
      }),
      'volume.attach': refuseWhen(
        (volume) => volume.state === VolumeState.InUse,
        attachedElsewhere('volume'),
      ),
      'volume.delete': refuseWhen(
        (volume) => volume.state === VolumeState.InUse,
        attachedElsewhere('volume'),
      ),
      'ip.attach': refuseWhen((ip) => ip.state === IpState.Attached, attachedElsewhere('floating IP')),
      'ip.release': refuseWhen((ip) => ip.state === IpState.Attached, attachedElsewhere('floating IP')),
    },
  };
}
