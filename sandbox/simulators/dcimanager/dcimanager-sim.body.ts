import type { FastifyInstance } from 'fastify';
import { DCI_CODES, DciSimError, invalidValue, missingField } from './dcimanager-sim.errors';

// Readers of JSON request bodies that answer the documented error body for bad input.

/**
 * Parses every POST body as JSON whatever its content type, as the real service does with the vendor's own
 * curl examples (`-d '{}'`, sent as `application/x-www-form-urlencoded`) and with clients that send an empty
 * `application/octet-stream` body (docs/providers/dcimanager.md#request-bodies). An empty body is no body.
 * A body declared as JSON that does not parse is a 400 (2003); any other body that is not JSON is a 415 (2005).
 * Replaces Fastify's own parsers, which answer 415 for any type but JSON and text, and for a chunked body
 * without a type.
 */
export function registerBodyParsers(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (request, body, done) => {
    try {
      done(null, parseBody(request.headers['content-type'], String(body)));
    } catch (error) {
      done(error as DciSimError, undefined);
    }
  });
}

export function parseBody(contentType: string | undefined, text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    if (contentType !== undefined && /[/+]json\s*(;|$)/i.test(contentType))
      throw new DciSimError(400, DCI_CODES.MALFORMED_BODY, 'The request body is not valid JSON', {});
    throw new DciSimError(415, DCI_CODES.NOT_JSON, 'The request body must be JSON (or empty)', {});
  }
}

export type Body = Record<string, unknown>;

export function asBody(raw: unknown): Body {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw))
    throw new DciSimError(400, DCI_CODES.MALFORMED_BODY, 'The request body must be a JSON object', {});
  return raw as Body;
}

export function optionalString(body: Body, field: string): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalidValue(field, `Field '${field}' must be a string`);
  return value;
}

/** An integer id, as a number or a numeric string. */
export function optionalId(body: Body, field: string): number | undefined {
  const value = body[field];
  if (value === undefined || value === null || value === '') return undefined;
  if (!(typeof value === 'number' || typeof value === 'string') || !/^\d+$/.test(String(value)))
    throw invalidValue(field, `Field '${field}' must be an integer id`);
  return Number(value);
}

export function requiredId(body: Body, field: string): number {
  const value = optionalId(body, field);
  if (value === undefined) throw missingField(field);
  return value;
}

export function optionalBoolean(body: Body, field: string): boolean | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw invalidValue(field, `Field '${field}' must be true or false`);
  return value;
}

export function optionalEnum<T extends string>(
  body: Body,
  field: string,
  allowed: readonly T[],
): T | undefined {
  const value = optionalString(body, field);
  if (value === undefined) return undefined;
  if (!allowed.includes(value as T))
    throw invalidValue(field, `Field '${field}' must be one of ${allowed.join(', ')}`, { value });
  return value as T;
}

export function optionalStrings(body: Body, field: string): string[] | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string'))
    throw invalidValue(field, `Field '${field}' must be a list of strings`);
  return value;
}
