import { DCI_CODES, DciSimError, invalidValue, missingField } from './dcimanager-sim.errors';

// Readers of JSON request bodies that answer the documented error body for bad input.

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
