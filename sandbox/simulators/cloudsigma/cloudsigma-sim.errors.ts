import type { ErrorBody } from '../common/fault-injector';
import { renderObject, type SimFields } from './cloudsigma-sim.text';

/**
 * A 1.0 error: an HTTP status and `errors:<field> <message>` lines (docs/providers/cloudsigma.md#errors). Input
 * errors echo the request's keys around the error lines, as the manual's profile example does.
 */
export class CloudsigmaSimError extends Error {
  constructor(
    readonly status: number,
    readonly field: string,
    message: string,
    readonly echo?: SimFields,
    /** Further `[field, message]` errors of the same request. */
    readonly more: Array<[string, string]> = [],
  ) {
    super(message);
  }

  body(): string {
    const lines: Array<[string, string]> = [...(this.echo ?? new Map<string, string>())];
    for (const [field, message] of [[this.field, this.message], ...this.more])
      lines.push([`errors:${field}`, message]);
    return renderObject(lines);
  }
}

const NOUN: Record<string, string> = { servers: 'Server', drives: 'Drive', vlan: 'VLAN', ip: 'IP' };

/** An unknown object id: 400 with "could not be found", or 404 when configured so (docs/providers/cloudsigma.md#errors). */
export const notFound = (type: string, id: string, status: number): CloudsigmaSimError =>
  new CloudsigmaSimError(
    status,
    'system',
    `${NOUN[type] ?? type} ${id} could not be found. Check the identifier and try again.`,
  );

/** The object is attached or assigned somewhere: 400 "currently in use" (docs/providers/cloudsigma.md#errors). */
export const inUse = (type: string, id: string, by: string): CloudsigmaSimError =>
  new CloudsigmaSimError(400, 'system', `${NOUN[type] ?? type} ${id} is currently in use by ${by}.`);

/** 409 "Drive, server or other resource is busy" (docs/providers/cloudsigma.md#errors). */
export const busy = (field: string, message: string): CloudsigmaSimError =>
  new CloudsigmaSimError(409, field, message);

export const invalid = (field: string, message: string, echo?: SimFields): CloudsigmaSimError =>
  new CloudsigmaSimError(400, field, message, echo);

/** Every input error of one request at once, echoing the request (docs/providers/cloudsigma.md#errors). */
export const invalidAll = (errors: Array<[string, string]>, echo: SimFields): CloudsigmaSimError =>
  new CloudsigmaSimError(400, errors[0][0], errors[0][1], echo, errors.slice(1));

export const unknownCommand = (): CloudsigmaSimError =>
  new CloudsigmaSimError(404, 'system', 'Unknown command.');

export const wrongVerb = (method: string): CloudsigmaSimError =>
  new CloudsigmaSimError(405, 'system', `${method} is not allowed for this command.`);

/** Body of errors injected through `/__sim/faults`: the same `errors:` line format. */
export const injectedErrorBody: ErrorBody = (status, message) => ({
  contentType: 'text/plain; charset=utf-8',
  body: new CloudsigmaSimError(status, 'system', message).body(),
});
