import { CONNECTION_NAME_PATTERN } from '../../domain/connection-name';

/** Characters a native id may hold so that `<connection>:<nativeId>` is a safe URL path segment. */
export const NATIVE_ID_PATTERN = /^[A-Za-z0-9._~-]{1,200}$/;
/** `.` and `..` fit the pattern, but in a backend URL they are dot segments: the collection or its parent. */
const DOT_SEGMENT = /^\.\.?$/;

/** A native id that is safe as one URL path segment of a backend call. */
export function isNativeId(value: string): boolean {
  return NATIVE_ID_PATTERN.test(value) && !DOT_SEGMENT.test(value);
}

export interface ResourceId {
  connection: string;
  nativeId: string;
}

export function formatResourceId(connection: string, nativeId: string): string {
  return `${connection}:${nativeId}`;
}

/** Parses `<connection>:<nativeId>`; returns null when malformed. */
export function parseResourceId(id: string): ResourceId | null {
  const colon = id.indexOf(':');
  if (colon <= 0) return null;
  const connection = id.slice(0, colon);
  const nativeId = id.slice(colon + 1);
  if (!CONNECTION_NAME_PATTERN.test(connection) || !isNativeId(nativeId)) return null;
  return { connection, nativeId };
}

/**
 * Resolves a reference to a resource of a known connection: a full gateway id of that connection, or a
 * bare native id. Returns null when malformed or when it names another connection.
 */
export function resolveNativeRef(ref: string, connection: string): string | null {
  if (!ref.includes(':')) return isNativeId(ref) ? ref : null;
  const parsed = parseResourceId(ref);
  if (!parsed || parsed.connection !== connection) return null;
  return parsed.nativeId;
}
