import type { Server } from '../../domain/server.dto';
import { ServerState } from '../../domain/states';
import { type ActionRules, RefusalReason, allOf, inStates, refuseWhen } from '../ports/actions';

/**
 * What DCImanager accepts on an existing server beyond the operations it lacks altogether (volumes, networks, IP
 * moves, resizes and SSH key objects are declared in the adapter's `unsupportedReasons`). Power goes through the
 * BMC or PDU: on, off and reset in any state (a step waits while an operation runs), but no orderly shutdown
 * (docs/providers/dcimanager.md#state-rules-the-adapter-enforces). A rebuild is an OS install: not while another
 * operation runs or the server is suspended, and only with an IPv4 address to install from
 * (docs/providers/dcimanager.md#rebuild).
 */
export const NO_GRACEFUL_STOP =
  'DCImanager has no graceful shutdown, only a hard power-off through the BMC or PDU; send {"force": true} to cut the power';

export const REBUILD_STATES = [ServerState.Running, ServerState.Stopped, ServerState.Error] as const;

export const NO_INSTALL_ADDRESS =
  'An OS install needs the server’s main IPv4 address and this server has none; allocate one (POST /v1/ips) first';

export const DCIMANAGER_ACTIONS: ActionRules = {
  unsupported: { 'server.stop': NO_GRACEFUL_STOP },
  rules: {
    'server.rebuild': allOf<Server>(
      inStates<Server>(
        REBUILD_STATES,
        'DCImanager reinstalls a server only when no other operation runs on it and it is not suspended',
      ),
      refuseWhen<Server>((server) => !server.ipAddresses.some((address) => address.version === 4), {
        reason: RefusalReason.WrongState,
        message: NO_INSTALL_ADDRESS,
      }),
    ),
  },
};
