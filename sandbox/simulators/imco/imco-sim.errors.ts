import type { ErrorBody } from '../common/fault-injector';

/**
 * IMCO's two error bodies (docs/providers/imco.md#errors): `{"errors": {"<field>": ["msg", ...]}}` for validation and
 * `{"error": "<message>"}` for everything else. `text` errors are sent as plain text (the clients' raw fallback).
 */
export class ImcoSimError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** Per-field messages: sent as the `errors` hash instead of `error`. */
    readonly fields?: Record<string, string[]>,
    readonly text = false,
  ) {
    super(message);
  }

  body(): { contentType: string; payload: string } {
    if (this.text) return { contentType: 'text/plain; charset=utf-8', payload: this.message };
    const json = this.fields ? { errors: this.fields } : { error: this.message };
    return { contentType: 'application/json; charset=utf-8', payload: JSON.stringify(json) };
  }
}

/** How a refused state transition is answered (`POST /__sim/config` `wrongStateStyle`). */
export type WrongStateStyle = 'errors-422' | 'error-409';

export const notFound = (type: string, id: string): ImcoSimError =>
  new ImcoSimError(404, `Couldn't find ${type} with 'id'=${id}`);

export const invalid = (field: string, ...messages: string[]): ImcoSimError =>
  new ImcoSimError(422, `${field} ${messages.join(', ')}`, { [field]: messages });

export const blank = (field: string): ImcoSimError => invalid(field, "can't be blank");

/** A state-machine refusal, in the style of Rails' state machines (`cannot transition via "boot"`). */
export function wrongState(
  style: WrongStateStyle,
  noun: string,
  event: string,
  current: string,
  allowed: string[],
): ImcoSimError {
  if (style === 'error-409') {
    return new ImcoSimError(
      409,
      `Cannot ${event} ${noun} in state ${current}; it must be ${allowed.join(' or ')}`,
    );
  }
  return new ImcoSimError(422, `cannot transition via "${event}"`, {
    state: [`cannot transition via "${event}" from "${current}"`],
  });
}

/** A resource still used by another one (attached volume, VPC with servers). */
export const inUse = (message: string): ImcoSimError => new ImcoSimError(422, message, { base: [message] });

export type ErrorBodyStyle = 'json' | 'text';

/** Bodies of errors injected through `/__sim/faults`: the `errors` hash for 422, `error` otherwise. */
export function injectedErrorBody(style: () => ErrorBodyStyle): ErrorBody {
  return (status, message) => {
    const error =
      style() === 'text'
        ? new ImcoSimError(status, message, undefined, true)
        : new ImcoSimError(status, message, status === 422 ? { base: [message] } : undefined);
    const { contentType, payload } = error.body();
    return { contentType, body: payload };
  };
}
