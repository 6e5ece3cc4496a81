import type { ErrorBody } from '../common/fault-injector';

/**
 * The CloudMC errors envelope: `{"errors": [{"code": <int>, "message", "context"}]}`. Only code 2012 (wrong
 * state) is documented; the other numbers are our own. With `errorKey: 'errorCode'` the entries carry
 * go-cloudca's string `errorCode` instead.
 */
export type ErrorKey = 'code' | 'errorCode';

export type ErrorKind =
  | 'UNEXPECTED_ERROR'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'RATE_LIMITED'
  | 'INVALID_PARAMETER'
  | 'MISSING_PARAMETER'
  | 'MALFORMED_BODY'
  | 'INVALID_STATE'
  | 'RESOURCE_IN_USE'
  | 'QUOTA_EXCEEDED';

export const ERROR_CODES: Readonly<Record<ErrorKind, number>> = {
  UNEXPECTED_ERROR: 1000,
  UNAUTHORIZED: 1001,
  NOT_FOUND: 1002,
  METHOD_NOT_ALLOWED: 1003,
  FORBIDDEN: 1004,
  RATE_LIMITED: 1005,
  INVALID_PARAMETER: 2001,
  MISSING_PARAMETER: 2002,
  MALFORMED_BODY: 2003,
  INVALID_STATE: 2012,
  RESOURCE_IN_USE: 2013,
  QUOTA_EXCEEDED: 2020,
};

export class CloudmcSimError extends Error {
  constructor(
    readonly status: number,
    readonly kind: ErrorKind,
    message: string,
    readonly context: Record<string, unknown> = {},
    /** Further errors of the same answer (the envelope is a list), e.g. one per missing field. */
    readonly more: CloudmcSimError[] = [],
  ) {
    super(message);
  }
}

export interface ErrorEnvelope {
  errors: Record<string, unknown>[];
}

export function errorEnvelope(error: CloudmcSimError, key: ErrorKey): ErrorEnvelope {
  return {
    errors: [error, ...error.more].map((e) => ({
      [key]: key === 'code' ? ERROR_CODES[e.kind] : e.kind,
      message: e.message,
      context: e.context,
    })),
  };
}

// --- builders for the errors the routes and operations raise ---

export const notFound = (type: string, id: string): CloudmcSimError =>
  new CloudmcSimError(404, 'NOT_FOUND', `Cannot find ${type} with id ${id}`, { id, type });

export const missingField = (field: string): CloudmcSimError =>
  new CloudmcSimError(400, 'MISSING_PARAMETER', `The field ${field} is required`, { field });

/** Every missing required field at once, one entry each (the first decides the status and leads the list). */
export const missingFields = (fields: string[]): CloudmcSimError => {
  const [first, ...rest] = fields.map(missingField);
  return new CloudmcSimError(first.status, first.kind, first.message, first.context, rest);
};

/**
 * The one answer to anything the API (or the simulator) does not do on a path that exists: a verb an entity type
 * does not take, an operation it does not have, or a collection the simulator does not model. HTTP 405, as the
 * docs' status table says for a verb the endpoint does not take; see the simulator's header.
 */
export function unsupported(method: string, type: string, operation?: string): CloudmcSimError {
  const what = operation === undefined ? method : `${method} ?operation=${operation}`;
  return new CloudmcSimError(405, 'METHOD_NOT_ALLOWED', `Cannot use ${what} on ${type}`, {
    method,
    ...(operation === undefined ? {} : { operation }),
    type,
  });
}

export const invalidField = (
  field: string,
  message: string,
  extra: Record<string, unknown> = {},
): CloudmcSimError => new CloudmcSimError(400, 'INVALID_PARAMETER', message, { field, ...extra });

const SINGULAR: Record<string, string> = {
  instances: 'instance',
  volumes: 'volume',
  networks: 'network',
  publicipaddresses: 'public IP address',
};

/** The documented 2012 error, e.g. "Cannot stop an instance that isn't in the running state". */
export function wrongState(
  type: string,
  id: string,
  currentState: string,
  expectedStates: string[],
  action: string,
): CloudmcSimError {
  const noun = SINGULAR[type] ?? type;
  const article = /^[aeiou]/i.test(noun) ? 'an' : 'a';
  const states = expectedStates.map((s) => s.toLowerCase()).join(' or ');
  return new CloudmcSimError(
    400,
    'INVALID_STATE',
    `Cannot ${action} ${article} ${noun} that isn't in the ${states} state`,
    {
      id,
      currentState,
      expectedStates,
      type,
    },
  );
}

export const inUse = (
  type: string,
  id: string,
  message: string,
  extra: Record<string, unknown> = {},
): CloudmcSimError => new CloudmcSimError(400, 'RESOURCE_IN_USE', message, { id, type, ...extra });

export const unauthorized = (): CloudmcSimError =>
  new CloudmcSimError(401, 'UNAUTHORIZED', 'A valid MC-Api-Key header is required', {});

function kindForStatus(status: number): ErrorKind {
  const kinds: Record<number, ErrorKind> = {
    400: 'INVALID_PARAMETER',
    401: 'UNAUTHORIZED',
    403: 'FORBIDDEN',
    404: 'NOT_FOUND',
    405: 'METHOD_NOT_ALLOWED',
    429: 'RATE_LIMITED',
  };
  return kinds[status] ?? 'UNEXPECTED_ERROR';
}

/** Body for errors injected through `/__sim/faults`; reads the error key at call time (it is configurable). */
export function injectedErrorBody(errorKey: () => ErrorKey): ErrorBody {
  return (status, message) => ({
    contentType: 'application/json; charset=utf-8',
    body: JSON.stringify(
      errorEnvelope(new CloudmcSimError(status, kindForStatus(status), message), errorKey()),
    ),
  });
}
