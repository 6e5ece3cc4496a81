import { ImcoSimError, blank, invalid } from './imco-sim.errors';

// Readers for flat JSON request bodies. Every rejection is a 422 `{"errors": {field: [...]}}`.

export type Body = Record<string, unknown>;

/** An absent body is an empty one (cio 0.15 sends `{"id": ...}` with actions, v1 sent nothing). */
export function asBody(raw: unknown): Body {
  if (raw === undefined || raw === null || raw === '') return {};
  if (typeof raw !== 'object' || Array.isArray(raw))
    throw new ImcoSimError(400, 'The request body must be a JSON object');
  return raw as Body;
}

export function requiredString(body: Body, field: string): string {
  const value = body[field];
  if (value === undefined || value === null || value === '') throw blank(field);
  if (typeof value !== 'string') throw invalid(field, 'must be a string');
  return value;
}

export function optionalString(body: Body, field: string): string | undefined {
  const value = body[field];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw invalid(field, 'must be a string');
  return value;
}

export function optionalBoolean(body: Body, field: string): boolean | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw invalid(field, 'must be a boolean');
}

/** Rails accepts numeric strings for integer attributes. */
export function requiredInteger(body: Body, field: string): number {
  const value = body[field];
  if (value === undefined || value === null || value === '') throw blank(field);
  const number = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number)) throw invalid(field, 'must be an integer');
  return number;
}

export function optionalIdArray(body: Body, field: string): string[] | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string'))
    throw invalid(field, 'must be an array of ids');
  return value as string[];
}

/** Ids in a body that must name existing records (422 on the field otherwise). */
export function existingIds(
  field: string,
  ids: string[] | undefined,
  map: ReadonlyMap<string, unknown>,
): string[] | undefined {
  for (const id of ids ?? []) if (!map.has(id)) throw invalid(field, 'is invalid');
  return ids;
}
