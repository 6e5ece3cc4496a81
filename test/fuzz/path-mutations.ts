import fc from 'fast-check';
import type { Fixtures } from './fixtures';
import { concretePath, type FuzzCase, JSON_TYPE, refused, resourceOf } from './fuzz-case';
import { methodsByPath, type Operation } from './openapi-model';
import { baseBody } from './openapi-mutations';

const CONNECTION = /^[a-z0-9][a-z0-9-]{0,39}$/;
const NATIVE = /^[A-Za-z0-9._~-]{1,200}$/;

/** Ids that are not `<connection>:<nativeId>` (docs/design.md#ids: malformed → 400), as the router decodes them. */
const malformedIds = fc.oneof(
  fc.constantFrom('nocolon', ':x', 'cm:', 'cm::x', 'cm:a:b', 'CM:1', 'c_m:1', '-cm:1', `${'c'.repeat(41)}:1`),
  fc.constantFrom(
    'cm:.',
    'cm:..',
    'cs:.',
    'cs:..',
    'imco:..',
    'dci:.',
    'cm:a b',
    'cm:a/b',
    'cm:\u0000',
    'cm:ü',
  ),
  fc.constantFrom(
    'cm:%41',
    'cm:a%',
    'cm:a+b',
    'cm:a;b',
    'cm:a?',
    'cm:a#',
    'cm:a@b',
    '🙂:1',
    'cm:🙂',
    '..',
    '.',
  ),
  fc.constant(`cm:${'n'.repeat(201)}`),
  fc.string({ minLength: 1, maxLength: 60 }),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 30 }),
);

/** Whether the contract calls an id well formed; dot segments never name a resource. */
function wellFormed(id: string): boolean {
  const colon = id.indexOf(':');
  const native = id.slice(colon + 1);
  return (
    colon > 0 &&
    CONNECTION.test(id.slice(0, colon)) &&
    NATIVE.test(native) &&
    native !== '.' &&
    native !== '..'
  );
}

/** Bad, unknown and dead ids (known connection, no resource) in every operation with a path parameter. */
export function pathIdCases(operations: Operation[], fixtures: Fixtures): fc.Arbitrary<FuzzCase> {
  return fc.oneof({ weight: 6, arbitrary: idCases(operations, fixtures) }, rawSegmentCases());
}

function idCases(operations: Operation[], fixtures: Fixtures): fc.Arbitrary<FuzzCase> {
  const ops = operations.filter((op) => op.params.some((p) => p.in === 'path'));
  const id = fc.oneof(
    { weight: 3, arbitrary: malformedIds },
    fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/).map((c) => `zz${c}:1`),
    fc
      .tuple(fc.constantFrom(...fixtures.connections), fc.stringMatching(/^[A-Za-z0-9._-]{0,40}$/))
      .map(([c, n]) => `${c}:fuzz~${n}`),
  );
  return fc.tuple(fc.constantFrom(...ops), id).map(([op, value]): FuzzCase => {
    const target = op.path.replace(/\{\w+\}/, encodeURIComponent(value));
    // A valid body where one is required, so that only the id decides the answer.
    const connection = value.slice(0, Math.max(0, value.indexOf(':')));
    const body = op.body?.required?.length
      ? JSON.stringify(baseBody(op.body, connection || 'cm'))
      : undefined;
    const request = { method: op.method, target, headers: body ? [JSON_TYPE] : [], body };
    if (op.path.startsWith('/v1/providers/')) {
      const known = fixtures.connections.includes(value);
      return { category: 'path.provider-name', request, expect: { statuses: known ? [200] : [404] } };
    }
    if (op.path.startsWith('/v1/tasks/')) {
      const ulid = /^[0-9A-HJKMNP-TV-Z]{26}$/.test(value);
      return { category: 'path.task-id', request, expect: ulid ? { statuses: [404] } : refused(['id']) };
    }
    const good = wellFormed(value);
    const known = good && fixtures.connections.includes(value.slice(0, value.indexOf(':')));
    const category = !good ? 'path.malformed-id' : known ? 'path.dead-id' : 'path.unknown-connection';
    return {
      category,
      request,
      expect: good ? { statuses: [404] } : refused(['id']),
    };
  });
}

/** Targets with empty, doubled or dot segments, or split off by the router: 400 or 404, never more. */
const RAW_TARGETS: Array<[string, string, number]> = [
  ['GET', '/v1/servers//', 404],
  ['POST', '/v1/servers//start', 404],
  ['POST', '/v1/volumes//attach', 404],
  ['GET', '//v1/servers', 404],
  ['GET', '/v1//servers', 404],
  ['GET', '/v1/servers/cm:fuzz~1//', 404],
  ['GET', '/v1/servers/../tasks', 404],
  ['GET', '/v1/./servers', 404],
  ['GET', '/v1/servers;a=b', 404],
  ['DELETE', '/v1/servers/cm:fuzz~1/..', 404],
  ['GET', '/v1/servers/..', 400],
  ['GET', '/v1/servers/.', 400],
  ['GET', '/v1/servers/%2e%2e', 400],
  ['POST', '/v1/servers/cm:%2e/start', 400],
  ['DELETE', '/v1/volumes/cs:%2E%2E', 400],
];

export function rawSegmentCases(): fc.Arbitrary<FuzzCase> {
  return fc.constantFrom(...RAW_TARGETS).map(([method, target, status]): FuzzCase => ({
    category: 'path.raw-segments',
    request: { method, target, headers: [] },
    expect: status === 400 ? refused(['id']) : { statuses: [status] },
  }));
}

const OTHER_METHODS = [
  'GET',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'TRACE',
  'PROPFIND',
  'MKCOL',
  'PURGE',
  'LOCK',
  'SEARCH',
];

/** Methods the document does not define on a path: 404 or 405, never anything else. */
export function methodCases(operations: Operation[], fixtures: Fixtures): fc.Arbitrary<FuzzCase> {
  const byPath = methodsByPath(operations);
  const pairs: Array<[string, string]> = [];
  for (const [path, methods] of byPath) {
    const op = operations.find((o) => o.path === path)!;
    const target = resourceOf(op) || op.path.includes('{') ? concretePath(op, fixtures, 'dead') : path;
    for (const method of OTHER_METHODS) if (!methods.has(method)) pairs.push([method, target]);
  }
  return fc.tuple(fc.constantFrom(...pairs), fc.boolean()).map(([[method, target], withBody]): FuzzCase => ({
    category: 'method.undefined',
    request: {
      method,
      target,
      headers: withBody ? [['Content-Type', 'application/json']] : [],
      body: withBody ? '{}' : undefined,
    },
    expect: { statuses: [404, 405] },
  }));
}
