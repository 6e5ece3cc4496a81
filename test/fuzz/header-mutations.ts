import fc from 'fast-check';
import { KEYS } from '../support/gateway';
import type { Fixtures } from './fixtures';
import { deadId, deadPath, type FuzzCase, isMutation, JSON_TYPE, refused } from './fuzz-case';
import type { Operation } from './openapi-model';
import { baseBody } from './openapi-mutations';

/**
 * How Node presents a header value: the UTF-8 bytes read as latin-1, surrounding spaces and tabs dropped,
 * repeated headers joined with `, `.
 */
const presented = (values: string[]) =>
  values
    .map((v) =>
      Buffer.from(v, 'utf8')
        .toString('latin1')
        .replace(/^[ \t]+|[ \t]+$/g, ''),
    )
    .join(', ');

/** Printable header values: what HTTP lets through (visible ASCII, space, and bytes above 0x7F). */
const printable = (maxLength: number) =>
  fc.string({
    unit: fc.integer({ min: 0x20, max: 0xff }).map((c) => String.fromCharCode(c === 0x7f ? 0x20 : c)),
    maxLength,
  });

/** A mutation on an id that names nothing, with a valid body where one is required: it ends in 404. */
function deadMutation(
  operations: Operation[],
): fc.Arbitrary<{ method: string; target: string; body?: string }> {
  const ops = operations.filter((op) => isMutation(op) && op.path.includes('{'));
  return fc
    .tuple(fc.constantFrom(...ops), fc.constantFrom('cm', 'cs', 'dci', 'imco'), fc.nat())
    .map(([op, c, n]) => ({
      method: op.method,
      target: deadPath(op.path, c, n),
      body: op.body?.required?.length ? JSON.stringify(baseBody(op.body, c)) : undefined,
    }));
}

const IDEMPOTENCY_KEY = /^[\x21-\x7E]{1,255}$/;

/** Idempotency-Key: 1 to 255 visible ASCII characters, else 400 naming it; a valid one gets as far as 404. */
export function idempotencyKeyCases(operations: Operation[]): fc.Arbitrary<FuzzCase> {
  const key = fc.oneof(
    fc.stringMatching(/^[\x21-\x7E]{1,255}$/),
    fc.integer({ min: 256, max: 8_000 }).map((n) => 'k'.repeat(n)),
    fc.constantFrom('', ' ', 'a b', 'a\tb', 'ключ', 'clé', '\u00a0', ' padded '),
    printable(300).filter((v) => v.length > 0),
  );
  return fc
    .tuple(deadMutation(operations), fc.array(key, { minLength: 1, maxLength: 2 }))
    .map(([request, keys]): FuzzCase => {
      const valid = IDEMPOTENCY_KEY.test(presented(keys));
      return {
        category: valid ? 'header.idempotency-key-valid' : 'header.idempotency-key-invalid',
        request: {
          ...request,
          headers: [
            ...(request.body ? [JSON_TYPE] : []),
            ...keys.map((k): [string, string] => ['Idempotency-Key', k]),
          ],
        },
        expect: valid ? { statuses: [404] } : refused(['Idempotency-Key']),
      };
    });
}

/** Prefer values of any shape on mutations that end in 404: never a 5xx, never a wait. */
export function preferCases(operations: Operation[]): fc.Arbitrary<FuzzCase> {
  const prefer = fc.oneof(
    fc.constantFrom(
      'wait=abc',
      'wait=-1',
      'wait=',
      'wait',
      'wait=1.5',
      'wait=99999999999999999999',
      'wait="5"',
    ),
    fc.constantFrom(
      'respond-async, wait=10',
      'return=minimal',
      'wait=5;foo',
      'handling=strict',
      ';;,,',
      'wait=0x10',
    ),
    printable(200),
  );
  return fc.tuple(deadMutation(operations), prefer).map(([request, value]): FuzzCase => ({
    category: 'header.prefer',
    request: { ...request, headers: [...(request.body ? [JSON_TYPE] : []), ['Prefer', value]] },
    expect: { statuses: [404] },
  }));
}

const MAX_U64 = 2n ** 64n - 1n;

/** Whether Redis takes the id as an exclusive start (each part a u64, and not the largest id of all). */
function resumable(id: string): boolean {
  const match = /^(\d{1,20})-(\d{1,20})$/.exec(id);
  if (!match) return false;
  const [ms, seq] = [BigInt(match[1]), BigInt(match[2])];
  return ms <= MAX_U64 && seq <= MAX_U64 && !(ms === MAX_U64 && seq === MAX_U64);
}

/** Last-Event-ID: a stream id resumes (200), anything else is refused before the stream opens. */
export function lastEventIdCases(): fc.Arbitrary<FuzzCase> {
  const id = fc.oneof(
    fc.stringMatching(/^\d{1,20}-\d{1,20}$/),
    fc.constantFrom(
      '18446744073709551615-0',
      '18446744073709551616-0',
      '0-18446744073709551616',
      '99999999999999999999-1',
    ),
    fc.constantFrom(
      '18446744073709551615-18446744073709551615',
      '0-0',
      '1700000000000-0',
      '00000000000000000001-0',
    ),
    fc.constantFrom('yesterday', '1-', '-1', '1--1', '1_2', '0x1-0', '1e3-0', '１-１', '1-2 ', ''),
    printable(60),
  );
  return id.map((value): FuzzCase => {
    const ok = resumable(presented([value]));
    return {
      category: ok ? 'header.last-event-id-valid' : 'header.last-event-id-invalid',
      request: { method: 'GET', target: '/v1/events', headers: [['Last-Event-ID', value]] },
      expect: ok ? { statuses: [200] } : refused(['Last-Event-ID']),
    };
  });
}

/** Authorization: only `Bearer <a configured key>` (any case, any spacing) passes; everything else is 401. */
export function authorizationCases(fixtures: Fixtures): fc.Arbitrary<FuzzCase> {
  const equivalent = fc.constantFrom(
    `bearer ${KEYS.admin}`,
    `BEARER  ${KEYS.admin}`,
    `Bearer\t${KEYS.admin}`,
  );
  const wrong = fc.oneof(
    fc.constantFrom(
      '',
      'Bearer',
      'Bearer ',
      `Basic ${Buffer.from('a:b').toString('base64')}`,
      `Token ${KEYS.admin}`,
    ),
    fc.constantFrom(
      `Bearer ${KEYS.admin}x`,
      `Bearer ${KEYS.admin.toUpperCase()}`,
      `Bearer ${KEYS.admin} extra`,
    ),
    fc.constantFrom(`${KEYS.admin}`, `Bearer "${KEYS.admin}"`, 'Bearer null', 'Bearer undefined', 'Digest x'),
    fc.integer({ min: 513, max: 12_000 }).map((n) => `Bearer ${'k'.repeat(n)}`),
    printable(200).map((v) => `Bearer ${v}`),
    printable(200),
  );
  const target = fc.constantFrom(
    '/v1/providers',
    '/v1/servers?pageSize=1',
    `/v1/servers/${deadId(fixtures.connections[0])}`,
    '/v1/tasks',
  );
  return fc
    .tuple(
      fc.oneof(
        equivalent.map((v) => ({ v, ok: true })),
        wrong.map((v) => ({ v, ok: false })),
      ),
      target,
      fc.boolean(),
    )
    .map(([{ v, ok }, path, absent]): FuzzCase => ({
      category: absent
        ? 'header.authorization-absent'
        : `header.authorization-${ok ? 'equivalent' : 'wrong'}`,
      request: { method: 'GET', target: path, headers: absent ? [] : [['Authorization', v]] },
      expect: { statuses: !absent && ok ? (path.includes('fuzz~') ? [404] : [200]) : [401] },
      ownAuth: true,
    }));
}

/** Requests with a known answer; an Accept header (even one that refuses JSON) must not change it. */
const ACCEPT_BASELINES: Array<{ method: string; target: string; status: number }> = [
  { method: 'GET', target: '/v1/providers', status: 200 },
  { method: 'GET', target: '/v1/servers/nocolon', status: 400 },
  { method: 'GET', target: '/v1/servers/zz-none:1', status: 404 },
  { method: 'DELETE', target: '/v1/servers', status: 404 },
];

export function acceptCases(): fc.Arbitrary<FuzzCase> {
  const accept = fc.oneof(
    fc.constantFrom(
      'text/html',
      'application/xml',
      '*/*;q=0',
      'application/json;q=0',
      'image/png, text/*;q=0.5',
    ),
    fc.constantFrom('', '*', 'application/problem+json', 'text/event-stream', ';;;', 'a'.repeat(4000)),
    printable(100),
  );
  return fc.tuple(fc.constantFrom(...ACCEPT_BASELINES), accept).map(([base, value]): FuzzCase => ({
    category: 'header.accept',
    request: { method: base.method, target: base.target, headers: [['Accept', value]] },
    expect: { statuses: [base.status] },
  }));
}

/** Content types: JSON ones are parsed (then `{}` misses required fields: 400), any other or none is 415. */
export function contentTypeCases(): fc.Arbitrary<FuzzCase> {
  const json = fc.constantFrom(
    'application/json',
    'application/json; charset=utf-8',
    'APPLICATION/JSON',
    'Application/Json; charset=latin-99',
    'application/json;foo=bar',
  );
  const other = fc.oneof(
    fc.constantFrom(
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/xml',
    ),
    fc.constantFrom(
      'application/json-patch+json',
      'application/jsonx',
      'text/json',
      'json',
      'application/*',
      '*/*',
      'application',
    ),
    fc.stringMatching(/^[a-z]{1,10}\/[a-z]{1,10}$/).filter((t) => t !== 'application/json'),
  );
  // A body without a Content-Type is not JSON either.
  const absent = fc.constant({ t: null as string | null, ok: false });
  return fc
    .tuple(
      fc.oneof(
        json.map((t) => ({ t, ok: true })),
        other.map((t) => ({ t, ok: false })),
        absent,
      ),
      fc.constantFrom('/v1/servers', '/v1/networks', '/v1/ips'),
    )
    .map(([{ t, ok }, path]): FuzzCase => ({
      category: ok
        ? 'header.content-type-json'
        : t === null
          ? 'header.content-type-absent'
          : 'header.content-type-other',
      request: { method: 'POST', target: path, headers: t === null ? [] : [['Content-Type', t]], body: '{}' },
      expect: ok ? refused(['provider']) : { statuses: [415] },
    }));
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** X-Request-Id: a well-formed one is echoed (header and problem body), any other is replaced. */
export function requestIdCases(): fc.Arbitrary<FuzzCase> {
  const id = fc.oneof(
    fc.stringMatching(/^[A-Za-z0-9._:-]{1,128}$/),
    printable(300),
    fc.constantFrom('', 'a'.repeat(129), 'id with spaces', '../../etc'),
  );
  return id.map((value): FuzzCase => {
    const echoed = REQUEST_ID.test(presented([value]));
    return {
      category: 'header.x-request-id',
      request: { method: 'GET', target: '/v1/servers/nocolon', headers: [['X-Request-Id', value]] },
      expect: refused(['id']),
      extra: (response) => {
        const given = response.headers['x-request-id'];
        if (echoed && given !== presented([value]))
          return [`X-Request-Id '${given}' does not echo '${value}'`];
        if (!echoed && given === presented([value])) return [`X-Request-Id echoed a malformed id '${value}'`];
        return [];
      },
    };
  });
}
