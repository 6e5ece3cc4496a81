import { ValidationError } from '../../../common/errors/gateway-error';

/**
 * Builds DCImanager list queries (docs/providers/dcimanager.md#lists): `where` expressions such as
 * `(owner_email EQ 'a@b.c') AND (is_new EQ false)`, `orderby`, and `limit=<offset>,<count>`, encoded by hand
 * (spaces as %20, quotes and parentheses kept) because generic encoders mangle them.
 */
export type WhereValue = string | number | boolean | null;

const FIELD = /^[a-z_][a-z0-9_.]*$/i;

function field(name: string): string {
  if (!FIELD.test(name)) throw new Error(`not a DCImanager field name: ${name}`);
  return name;
}

/**
 * A literal. How DCImanager escapes a quote inside a string is not documented, so such values are refused
 * rather than guessed at (docs/providers/dcimanager.md#filters).
 */
export function literal(value: WhereValue): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new ValidationError(`Not a number DCImanager can filter on: ${value}`);
    return String(value);
  }
  if (/['\\]/.test(value))
    throw new ValidationError(
      `DCImanager filters cannot hold quotes or backslashes: ${JSON.stringify(value)}`,
    );
  return `'${value}'`;
}

export function eq(name: string, value: WhereValue): string {
  return value === null ? `${field(name)} IS null` : `${field(name)} EQ ${literal(value)}`;
}

/** `CP` with `%` wildcards, like SQL LIKE. */
export function like(name: string, pattern: string): string {
  return `${field(name)} CP ${literal(pattern)}`;
}

/** Joins conditions with AND, each in parentheses; empty parts are left out. */
export function and(...parts: Array<string | undefined>): string {
  const present = parts.filter((p): p is string => !!p);
  return present.length === 1 ? present[0] : present.map((p) => `(${p})`).join(' AND ');
}

export interface ListParams {
  where?: string;
  orderby?: string;
  offset?: number;
  count?: number;
}

/** The query string (without `?`) of a list call. */
export function listQuery(params: ListParams): string {
  const pairs: Array<[string, string]> = [];
  if (params.where) pairs.push(['where', params.where]);
  if (params.orderby) pairs.push(['orderby', params.orderby]);
  if (params.count !== undefined) pairs.push(['limit', `${params.offset ?? 0},${params.count}`]);
  // encodeURIComponent keeps ' ( ) and turns spaces into %20; the comma of `limit` stays readable.
  return pairs.map(([k, v]) => `${k}=${encodeURIComponent(v).replace(/%2C/g, ',')}`).join('&');
}
