import { CloudmcSimError, invalidField, missingField, missingFields } from './cloudmc-sim.errors';

// Readers for JSON request bodies. Every rejection is a 400 naming the field in `context.field`.

export type Body = Record<string, unknown>;

/** An absent body is an empty one (operations such as start send none); anything but an object is refused. */
export function asBody(raw: unknown): Body {
  if (raw === undefined || raw === null || raw === '') return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new CloudmcSimError(400, 'MALFORMED_BODY', 'The request body must be a JSON object', {
      field: 'body',
    });
  }
  return raw as Body;
}

export function requiredString(body: Body, field: string): string {
  const value = body[field];
  if (value === undefined || value === null || value === '') throw missingField(field);
  if (typeof value !== 'string') throw invalidField(field, `The field ${field} must be a string`);
  return value;
}

/** Several required strings, checked together: every missing one is reported in the same answer. */
export function requiredStrings<const K extends string>(body: Body, fields: readonly K[]): Record<K, string> {
  const missing = fields.filter((f) => body[f] === undefined || body[f] === null || body[f] === '');
  if (missing.length > 0) throw missingFields(missing);
  return Object.fromEntries(fields.map((f) => [f, requiredString(body, f)])) as Record<K, string>;
}

export function optionalString(body: Body, field: string): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalidField(field, `The field ${field} must be a string`);
  return value;
}

export function optionalBoolean(body: Body, field: string): boolean | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw invalidField(field, `The field ${field} must be a boolean`);
}

/** Integers may arrive as JSON strings (go-cloudca sends disk size and IOPS that way). */
export function optionalInteger(body: Body, field: string): number | undefined {
  const value = body[field];
  if (value === undefined || value === null || value === '') return undefined;
  const number = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number)) {
    throw invalidField(field, `The field ${field} must be an integer`);
  }
  return number;
}

export function optionalStringArray(body: Body, field: string): string[] | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw invalidField(field, `The field ${field} must be an array of strings`);
  }
  return value as string[];
}
