import type { ActionRules } from '../ports/actions';

/**
 * What DCImanager accepts on an existing server beyond the operations it lacks altogether (volumes, networks and
 * IP moves are declared in the adapter's `unsupportedReasons`). Power goes through the BMC or PDU: on, off and
 * reset in any state (a step waits while an operation runs), but no orderly shutdown
 * (docs/providers/dcimanager.md#state-rules-the-adapter-enforces).
 */
export const NO_GRACEFUL_STOP =
  'DCImanager has no graceful shutdown, only a hard power-off through the BMC or PDU; send {"force": true} to cut the power';

export const DCIMANAGER_ACTIONS: ActionRules = { unsupported: { 'server.stop': NO_GRACEFUL_STOP } };
