import type { Fixtures, ResourcePath } from './fixtures';
import type { Operation } from './openapi-model';
import type { RawRequest, RawResponse } from './raw-http';

/** What the contract allows as the answer to one generated request. */
export interface Expectation {
  /** Statuses the contract allows (a 501 that the capability documents declare is always allowed too). */
  statuses: number[];
  /** Fields `errors[]` must name in a 400 (by prefix: `providerOptions` covers `providerOptions.x`). */
  fields?: string[];
}

/** One generated request and what it must be answered with. */
export interface FuzzCase {
  /** Category for the closing figures, e.g. `body.wrong-type`. */
  category: string;
  request: RawRequest;
  expect: Expectation;
  /** Send no API key of our own: the case brings its own `Authorization` (or none). */
  ownAuth?: boolean;
  /** Checks of this case beyond the common ones; returns what it found wrong. */
  extra?: (response: RawResponse) => string[];
}

export const JSON_TYPE: [string, string] = ['Content-Type', 'application/json'];

export const refused = (fields?: string[]): Expectation => ({ statuses: [400], fields });

/** The path of an operation with its parameters filled in (already encoded). */
function fillPath(path: string, values: Record<string, string>): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => values[name] ?? '');
}

/** The resource collection a path template acts on (`/v1/volumes/{id}/attach` → `volumes`), if any. */
export function resourceOf(op: Operation): ResourcePath | null {
  const match = /^\/v1\/(servers|volumes|networks|ips)\b/.exec(op.path);
  return match ? (match[1] as ResourcePath) : null;
}

/**
 * A well-formed id of a known connection that no backend uses (`~` is legal in native ids, and no simulator
 * makes ids with it): requests on it can only end in 404, never in a task.
 */
export const deadId = (connection: string, n = 0) => `${connection}:fuzz~${n}`;

/** An existing resource of the operation's collection, when one exists (else a dead id). */
function liveId(op: Operation, fixtures: Fixtures, pick: number): string {
  const collection = resourceOf(op);
  const ids = collection ? (fixtures.existing.get(collection) ?? []) : [];
  return ids.length
    ? ids[pick % ids.length]
    : deadId(fixtures.connections[pick % fixtures.connections.length]);
}

/** A ULID no task or webhook has (their ids are ULIDs of now; this one is from 1970). */
export const DEAD_TASK_ID = '00000000000000000000000000';

/** Collections whose ids are ULIDs the gateway makes, not `<connection>:<nativeId>`. */
const ULID_COLLECTIONS = ['/v1/tasks/', '/v1/webhooks/'];

/** The path of a mutation on an id that names nothing: a dead resource id, or a ULID nothing has. */
export function deadPath(path: string, connection: string, n = 0): string {
  return ULID_COLLECTIONS.some((prefix) => path.startsWith(prefix))
    ? fillPath(path, { id: DEAD_TASK_ID })
    : path.replace(/\{\w+\}/, deadId(connection, n));
}

/** The path of `op` on targets that exist (`live`) or cannot exist (`dead`). */
export function concretePath(op: Operation, fixtures: Fixtures, target: 'live' | 'dead', pick = 0): string {
  const connection = fixtures.connections[pick % fixtures.connections.length];
  if (ULID_COLLECTIONS.some((prefix) => op.path.startsWith(prefix)))
    return fillPath(op.path, { id: DEAD_TASK_ID });
  if (op.path.startsWith('/v1/providers/'))
    return fillPath(op.path, { name: target === 'live' ? connection : 'zz-no-such' });
  return fillPath(op.path, {
    id: encodeURIComponent(target === 'live' ? liveId(op, fixtures, pick) : deadId(connection, pick)),
  });
}

export const isMutation = (op: Operation) => op.method !== 'GET' && op.path !== '/v1/events/tokens';
