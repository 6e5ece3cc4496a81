import { ConflictError, GatewayError, ValidationError } from '../../../common/errors/gateway-error';
import { pollDelay } from '../../kit/polling';
import type { OperationStep, StepOutcome } from '../../ports/operation-plan';
import type { DciAck, DciServer } from '../client/wire';
import { busyStatus, isBusy, powerStatusOf } from '../model/states';
import type { DcimanagerContext } from './context';
import { taskRef } from './wait.steps';

// Hard power commands through the BMC or PDU (docs/providers/dcimanager.md#power-commands): start, stop, reboot,
// and the power steps of create and delete. Their waits are in wait.steps.ts.

export type PowerAction = 'power_on' | 'power_off' | 'power_reset';

export function wrongPower(
  raw: DciServer,
  action: string,
  expected: string[],
  refusal?: GatewayError,
): ConflictError {
  const power = powerStatusOf(raw);
  const detail = refusal
    ? `DCImanager refused to ${action} the server (power status ${power})` +
      (refusal.upstream?.message ? `: ${refusal.upstream.message}` : '.')
    : `Cannot ${action} a server whose power status is ${power}; DCImanager needs ${expected.join(' or ')}.`;
  return new ConflictError(detail, {
    upstream: refusal?.upstream,
    extensions: { currentState: power, expectedStates: expected },
  });
}

/** The power status in which a command has nothing left to do. */
const ALREADY: Record<PowerAction, string | null> = { power_on: 'on', power_off: 'off', power_reset: null };
/** The power statuses in which DCImanager accepts a command. */
const NEEDS: Record<PowerAction, string[]> = {
  power_on: ['off', 'unknown'],
  power_off: ['on'],
  power_reset: ['on', 'off', 'unknown'],
};

/**
 * One hard power command: read first, so that a command already satisfied is a no-op and a command in the
 * wrong power state is answered with a conflict; waits while an operation runs. With `lenient` (delete), a server
 * that cannot be switched off (power `unknown`) is left as it is, and one the account no longer holds (released
 * behind the gateway's back, or by a delete whose answer was lost) is marked `released` in the step state: the
 * delete's other steps then have nothing to do.
 */
/** Step state set when a delete finds the server already given back. */
export const RELEASED = 'released';

export function powerStep(context: DcimanagerContext, action: PowerAction, lenient = false): OperationStep {
  const sentKey = `${action}Sent`;
  return {
    name: action.replace('_', '-'),
    async run(ctx): Promise<StepOutcome> {
      const id = ctx.nativeId!;
      const raw = lenient ? await context.reads.ownedServer(id) : await context.reads.requireOwned(id);
      if (!raw) {
        ctx.state[RELEASED] = true;
        return { status: 'done', providerStatus: 'released' };
      }
      if (isBusy(raw))
        return {
          status: 'wait',
          delayMs: pollDelay(ctx.polls, context.backoff),
          providerStatus: busyStatus(raw),
        };
      if (ALREADY[action] === powerStatusOf(raw))
        return { status: 'done', providerStatus: powerStatusOf(raw) };
      if (!NEEDS[action].includes(powerStatusOf(raw))) {
        if (lenient) return { status: 'done', providerStatus: powerStatusOf(raw) };
        throw wrongPower(raw, action.replace('_', ' '), NEEDS[action]);
      }
      let ack: DciAck;
      try {
        ack = await context.client.mutate('POST', `/dci/v3/server/${id}/${action}`, `server.${action}`);
      } catch (error) {
        if (!(error instanceof ValidationError || error instanceof ConflictError)) throw error;
        // Refused: say why from what the server shows now.
        const now = await context.reads.requireOwned(id);
        if (ALREADY[action] === powerStatusOf(now))
          return { status: 'done', providerStatus: powerStatusOf(now) };
        if (isBusy(now))
          return {
            status: 'wait',
            delayMs: pollDelay(ctx.polls, context.backoff),
            providerStatus: busyStatus(now),
          };
        if (lenient) return { status: 'done', providerStatus: powerStatusOf(now) };
        throw wrongPower(now, action.replace('_', ' '), NEEDS[action], error);
      }
      ctx.state[sentKey] = true;
      return { status: 'done', providerStatus: 'accepted', providerRef: taskRef(ack) };
    },
  };
}
