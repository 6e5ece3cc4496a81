import type { ErrorBody } from '../common/fault-injector';

/**
 * The documented error body `{"error": {"code", "msg", "value"}}`. DCImanager's numeric codes are not public
 * (docs/providers/dcimanager.md#errors); 1000 for an unknown or expired session follows a VMmanager 6 client
 * (docs/providers/dcimanager.md#session-lifetime), the rest are our own.
 */
export const DCI_CODES = {
  SESSION: 1000,
  BAD_CREDENTIALS: 1001,
  CSRF: 1002,
  FORBIDDEN: 1003,
  NOT_FOUND: 2000,
  INVALID_VALUE: 2001,
  MISSING_FIELD: 2002,
  MALFORMED_BODY: 2003,
  METHOD_NOT_ALLOWED: 2004,
  NOT_JSON: 2005,
  WRONG_POWER_STATE: 3001,
  SERVER_BUSY: 3002,
  WRONG_STATE: 3003,
  OWNED_BY_OTHER: 3004,
  NO_MAIN_IP: 3005,
  ADDRESS_TAKEN: 3006,
  POOL_EXHAUSTED: 3007,
  NO_POWER_CONTROL: 3008,
  RATE_LIMITED: 4290,
  UNEXPECTED: 5000,
  WAKING: 5030,
} as const;

export class DciSimError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly value: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export function errorBody(error: DciSimError): { error: { code: number; msg: string; value: unknown } } {
  return { error: { code: error.code, msg: error.message, value: error.value } };
}

export const notFound = (type: string, id: string | number): DciSimError =>
  new DciSimError(404, DCI_CODES.NOT_FOUND, `${type} ${id} not found`, { type, id: String(id) });

export const missingField = (field: string): DciSimError =>
  new DciSimError(400, DCI_CODES.MISSING_FIELD, `Field '${field}' is required`, { field });

export const invalidValue = (field: string, message: string, extra: Record<string, unknown> = {}) =>
  new DciSimError(400, DCI_CODES.INVALID_VALUE, message, { field, ...extra });

const STATUS_CODES: Record<number, number> = {
  400: DCI_CODES.INVALID_VALUE,
  401: DCI_CODES.SESSION,
  404: DCI_CODES.NOT_FOUND,
  405: DCI_CODES.METHOD_NOT_ALLOWED,
  415: DCI_CODES.NOT_JSON,
  429: DCI_CODES.RATE_LIMITED,
  503: DCI_CODES.WAKING,
};

/** Body of errors injected through `/__sim/faults`. */
export const injectedErrorBody: ErrorBody = (status, message) => ({
  contentType: 'application/json; charset=utf-8',
  body: JSON.stringify(
    errorBody(new DciSimError(status, STATUS_CODES[status] ?? DCI_CODES.UNEXPECTED, message)),
  ),
});
