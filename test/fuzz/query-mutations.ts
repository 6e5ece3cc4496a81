import fc from 'fast-check';
import { encodePageToken } from '../../src/common/pagination/page-token';
import type { Fixtures } from './fixtures';
import { concretePath, DEAD_TASK_ID, type FuzzCase, refused } from './fuzz-case';
import type { Operation } from './openapi-model';

/** Invalid values per query parameter, with what each must be answered with. */
function badQueryValues(
  name: string,
  fixtures: Fixtures,
): fc.Arbitrary<{ value: string; statuses: number[]; field: boolean }> {
  const bad = (arb: fc.Arbitrary<string>) => arb.map((value) => ({ value, statuses: [400], field: true }));
  const number = fc.oneof(
    fc.constantFrom(
      '-1',
      '0',
      '501',
      '1.5',
      'abc',
      '',
      '9'.repeat(30),
      'NaN',
      'Infinity',
      '1,2',
      '[]',
      'true',
    ),
    fc.integer({ min: -1_000_000, max: 0 }).map(String),
    fc.integer({ min: 501, max: 2 ** 31 }).map(String),
  );
  switch (name) {
    case 'pageSize':
      return bad(number);
    case 'waitSeconds':
      return bad(
        fc.oneof(
          fc.constantFrom('-1', '61', '0.5', 'abc', '1e9', '9'.repeat(25)),
          fc.integer({ min: 61 }).map(String),
        ),
      );
    case 'pageToken':
      return bad(
        fc.oneof(
          fc.base64String({ minLength: 1, maxLength: 200 }),
          fc.string({ minLength: 1 }),
          fc.constant('A'.repeat(2049)),
        ),
      );
    case 'name':
      return bad(fc.integer({ min: 201, max: 3000 }).map((n) => 'n'.repeat(n)));
    case 'provider':
      return fc.oneof(
        bad(fc.constantFrom('CM', 'c m', '-cm', '', 'cm:1', 'c'.repeat(41))),
        fc
          .stringMatching(/^[a-z][a-z0-9-]{0,20}$/)
          .map((c) => ({ value: `zz${c}`, statuses: [404], field: false })),
      );
    case 'taskId':
      return bad(fc.constantFrom('x', 'a'.repeat(26), `${DEAD_TASK_ID}0`, 'I'.repeat(26), ''));
    case 'lastEventId':
      return bad(
        fc.constantFrom('x', '1-', '-1', '1-2-3', '1.5-0', '', `${'9'.repeat(21)}-0`, '1700000000000'),
      );
    case 'access_token':
      return bad(fc.constant('t'.repeat(129)));
    case 'resourceId':
      return bad(fc.constantFrom('a b', 'cm:', ':', `cm:${'n'.repeat(201)}`, 'CM:1', ''));
    case 'label':
      // Keys upper-case, empty, too long, reserved, or values with characters labels never hold.
      return bad(
        fc.constantFrom('Env=prod', '=prod', 'k'.repeat(64), 'cloudmux.x=1', 'env=a b', 'env=é', ''),
      );
    case 'deadlineSeconds':
      // What no connection allows, whatever it is: refused before the body or the id is looked at.
      return bad(
        fc.oneof(
          fc.constantFrom('0', '-1', '1.5', 'abc', '', '9'.repeat(30), 'NaN', '1e3', '604801', ' 60'),
          fc.integer({ min: 604_801 }).map(String),
        ),
      );
    case 'operation':
      return bad(fc.constantFrom('server.explode', 'SERVER.CREATE', 'server', '', 'server.create '));
    default: // enums (state, status) and `fresh` (true|false)
      return bad(
        fc.oneof(
          fc.constantFrom('', 'RUNNING', 'True', 'yes', '1', 'null', `${fixtures.connections[0]}`),
          fc.string({ minLength: 1, maxLength: 20 }).map((s) => `x${s}`),
        ),
      );
  }
}

/** One bad query value, a repeated parameter, or an unknown parameter, on every operation with a query. */
export function queryCases(operations: Operation[], fixtures: Fixtures): fc.Arbitrary<FuzzCase> {
  const ops = operations.filter((op) => op.params.some((p) => p.in === 'query'));
  const perOp = ops.map((op) => {
    const params = op.params.filter((p) => p.in === 'query');
    const path = concretePath(op, fixtures, 'dead');
    const badValue = fc
      .constantFrom(...params)
      .chain((p) => badQueryValues(p.name, fixtures).map((v) => ({ ...v, name: p.name })))
      .map((v): FuzzCase => ({
        category: 'query.bad-value',
        request: {
          method: op.method,
          target: `${path}?${v.name}=${encodeURIComponent(v.value)}`,
          headers: [],
        },
        expect: { statuses: v.statuses, fields: v.field ? [v.name] : undefined },
      }));
    // A parameter the document declares as a list (`label`) may repeat; any other must not.
    const single = params.filter((p) => (p.schema as { type?: string } | undefined)?.type !== 'array');
    const repeated = fc.constantFrom(...(single.length ? single : params)).map((p): FuzzCase => ({
      category: 'query.repeated',
      request: { method: op.method, target: `${path}?${p.name}=1&${p.name}=2`, headers: [] },
      expect: refused([p.name]),
    }));
    const unknownName = fc
      .oneof(
        fc.constantFrom(
          '__proto__',
          'constructor',
          'prototype',
          'toString',
          'valueOf',
          'hasOwnProperty',
          'limit',
          'PageSize',
          'state[]',
        ),
        fc.stringMatching(/^[a-zA-Z_][\w.-]{0,20}$/),
      )
      .filter((n) => !params.some((p) => p.name === n));
    const unknown = unknownName.map((n): FuzzCase => ({
      category: 'query.unknown-param',
      request: { method: op.method, target: `${path}?${encodeURIComponent(n)}=1`, headers: [] },
      expect: refused([n]),
    }));
    const arbitraries = [
      { weight: 3, arbitrary: badValue },
      { weight: 1, arbitrary: repeated },
      { weight: 1, arbitrary: unknown },
    ];
    if (params.some((p) => p.name === 'pageToken'))
      arbitraries.push({ weight: 1, arbitrary: forgedTokens(op, fixtures) });
    return fc.oneof(...arbitraries);
  });
  return fc.oneof(...perOp);
}

/** The filters a list's page token is bound to, with no filter given (see page-token.ts). */
const TOKEN_FILTERS: Record<string, Record<string, undefined>> = {
  '/v1/tasks': { provider: undefined, status: undefined, resourceId: undefined, operation: undefined },
  resources: { provider: undefined, state: undefined, name: undefined },
};

const TASK_CURSOR = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/;
const RESOURCE_CURSOR = /^[a-z0-9][a-z0-9-]{0,39}:(?!\.\.?$)[A-Za-z0-9._~-]{1,200}$/;

const cursors = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom(
    '',
    'cm:1',
    'cm:..',
    'nocolon',
    DEAD_TASK_ID,
    '7ZZZZZZZZZZZZZZZZZZZZZZZZZ',
    '8ZZZZZZZZZZZZZZZZZZZZZZZZZ',
  ),
);

const forged = (path: string, after: string) =>
  `${path}?pageToken=${encodePageToken(after, TOKEN_FILTERS[path] ?? TOKEN_FILTERS.resources)}`;

/**
 * Page tokens are opaque but not sealed: a client that decodes one can forge another, bound to the right query,
 * with any cursor. Tasks take a ULID cursor (400 otherwise); resource lists here get well-formed ids only.
 */
function forgedTokens(op: Operation, fixtures: Fixtures): fc.Arbitrary<FuzzCase> {
  if (op.path !== '/v1/tasks' && !/^\/v1\/(servers|volumes|networks|ips|ssh-keys)$/.test(op.path))
    return foreignTokens(op, fixtures);
  const tasks = op.path === '/v1/tasks';
  const valid = (after: string) => (tasks ? TASK_CURSOR : RESOURCE_CURSOR).test(after);
  const wellFormed = fc.oneof(
    fc.constantFrom('cm:1', 'dci:42', 'cs:91.203.56.71'),
    fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,39}:[A-Za-z0-9_~-][A-Za-z0-9._~-]{0,199}$/),
  );
  return (tasks ? cursors : wellFormed).map((after): FuzzCase => ({
    category: 'query.forged-page-token',
    request: { method: 'GET', target: forged(op.path, after), headers: [] },
    expect: valid(after) ? { statuses: [200] } : refused(['pageToken']),
  }));
}

/**
 * A page token of another list (a resource list's, bound to its query) given to a list whose tokens say something
 * else (a history's position, a webhook's): never a page, never a 5xx.
 */
function foreignTokens(op: Operation, fixtures: Fixtures): fc.Arbitrary<FuzzCase> {
  const path = concretePath(op, fixtures, 'live');
  return fc.constantFrom('cm:1', DEAD_TASK_ID, 'x').map((after): FuzzCase => ({
    category: 'query.forged-page-token',
    request: {
      method: 'GET',
      target: `${path}?pageToken=${encodePageToken(after, TOKEN_FILTERS.resources)}`,
      headers: [],
    },
    expect: { statuses: [400, 404] },
  }));
}

/**
 * A forged resource-list cursor that is not a resource id restarts the list from the top today instead of a
 * 400 (resource-reader.service.ts does not check it, see the report): a pending fix.
 */
export function forgedResourceCursorCases(operations: Operation[]): fc.Arbitrary<FuzzCase> {
  const lists = operations.filter(
    (op) => /^\/v1\/(servers|volumes|networks|ips)$/.test(op.path) && op.method === 'GET',
  );
  return fc
    .tuple(
      fc.constantFrom(...lists.map((op) => op.path)),
      cursors.filter((after) => !RESOURCE_CURSOR.test(after)),
    )
    .map(([path, after]): FuzzCase => ({
      category: 'pending.forged-resource-cursor',
      request: { method: 'GET', target: forged(path, after), headers: [] },
      expect: refused(['pageToken']),
    }));
}
