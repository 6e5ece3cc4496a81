import { ValidationError } from '../common/errors/gateway-error';
import type { TaskSettings } from '../config/config.schema';
import type { OperationName } from '../providers/ports/operations';
import type { Connection } from '../providers/registry/connection';

type DeadlineSettings = Pick<TaskSettings, 'defaultDeadlineSeconds' | 'maxDeadlineSeconds'>;

/**
 * The deadline of an operation when the request names none, as far as it is known before a plan is built: the
 * connection's `deadlines[op]`, else `tasks.defaultDeadlineSeconds`. (An adapter's plan may set its own default,
 * which the intake prefers to the gateway's; it is only known once a request is planned.)
 */
export function defaultDeadline(
  adapter: Connection,
  operation: OperationName,
  tasks: DeadlineSettings,
): number {
  return adapter.settings.deadlines?.[operation] ?? tasks.defaultDeadlineSeconds;
}

/**
 * The longest `?deadlineSeconds=` a caller may ask of an operation on a connection (docs/design.md#caller-deadlines):
 * the connection's `maxDeadlines[op]`, else `tasks.maxDeadlineSeconds`, and never below the deadline the operator
 * configured for it, so asking for the configured one is always allowed. A ceiling below the gateway-wide default
 * bounds only what callers ask; a task asked without one still gets the default.
 */
export function deadlineCeiling(
  adapter: Connection,
  operation: OperationName,
  tasks: DeadlineSettings,
): number {
  const max = adapter.settings.maxDeadlines?.[operation] ?? tasks.maxDeadlineSeconds;
  return Math.max(max, adapter.settings.deadlines?.[operation] ?? 0);
}

/**
 * A caller's deadline checked against the connection's ceiling: 400 naming `deadlineSeconds` and the ceiling when it
 * is out of 1..ceiling. Undefined (the operation's default applies) when the request names none.
 */
export function checkDeadline(
  adapter: Connection,
  operation: OperationName,
  requested: number | undefined,
  tasks: DeadlineSettings,
): number | undefined {
  if (requested === undefined) return undefined;
  const ceiling = deadlineCeiling(adapter, operation, tasks);
  if (!Number.isInteger(requested) || requested < 1 || requested > ceiling)
    throw new ValidationError(
      `deadlineSeconds must be from 1 to ${ceiling} for ${operation} on ${adapter.name}.`,
      [{ field: 'deadlineSeconds', message: `must be an integer from 1 to ${ceiling} (seconds)` }],
    );
  return requested;
}
