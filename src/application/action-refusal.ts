import { ConflictError, GatewayError, UnsupportedOperationError } from '../common/errors/gateway-error';
import { RefusalReason } from '../domain/allowed-actions.dto';
import type { ActionName } from '../providers/ports/actions';
import type { Verdict } from '../providers/registry/action-policy';

/**
 * The answer to a request that `allowedActions` refuses: the same `reason`, so a frontend that read the
 * resource knows what a click answers, and a client that clicked anyway can act on it.
 */
export function refusalError(
  provider: string,
  action: ActionName,
  verdict: Verdict,
  currentState: string,
): GatewayError {
  const message = verdict.message ?? 'The action is not accepted now.';
  switch (verdict.reason) {
    case RefusalReason.UnsupportedOperation:
      return new UnsupportedOperationError(provider, action, verdict.message);
    case RefusalReason.Busy:
      return new ConflictError(message, {
        retryable: true,
        extensions: { reason: RefusalReason.Busy, activeTaskId: verdict.activeTaskId },
      });
    case RefusalReason.WrongState:
      return new ConflictError(message, {
        extensions: {
          reason: RefusalReason.WrongState,
          currentState,
          expectedStates: verdict.expectedStates ?? [],
        },
      });
    default:
      return new ConflictError(message, { extensions: { reason: verdict.reason, currentState } });
  }
}
