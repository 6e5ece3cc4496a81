import fc from 'fast-check';
import { KEYS } from '../support/gateway';
import type { FuzzCase } from './fuzz-case';

/**
 * Requests that Node's HTTP parser or Fastify's router refuse before Nest sees them: control characters in
 * header values, malformed header names, unknown or lower-case methods, raw spaces and control characters in
 * the target, broken percent-encoding, path parameters over the router's 512 characters, a request head over
 * 16 KiB, and an OPTIONS that is not a CORS preflight. Each must still be a 4xx problem+json.
 */
const CONTROL = [
  ...Array.from({ length: 32 }, (_, i) => i).filter((c) => c !== 9 && c !== 10 && c !== 13),
  127,
].map((c) => String.fromCharCode(c));

const base = (
  method: string,
  target: string,
  headers: Array<[string, string]> = [],
): FuzzCase['request'] => ({
  method,
  target,
  headers,
});

const controlInHeader = fc
  .tuple(
    fc.constantFrom(
      'Authorization',
      'Idempotency-Key',
      'Prefer',
      'X-Request-Id',
      'Last-Event-ID',
      'User-Agent',
    ),
    fc.constantFrom(...CONTROL),
    fc.nat({ max: 10 }),
  )
  .map(([name, control, at]) => {
    const value = name === 'Authorization' ? `Bearer ${KEYS.admin}` : 'abcdefghij';
    return {
      category: 'protocol.control-in-header',
      request: base('GET', '/v1/events', [[name, value.slice(0, at) + control + value.slice(at)]]),
      statuses: [400, 401],
      ownAuth: name === 'Authorization',
    };
  });

const badHeaderName = fc.constantFrom('Bad Header', 'X-(a)', 'Bäd', 'X@Y', '', 'X\u0001').map((name) => ({
  category: 'protocol.bad-header-name',
  request: base('GET', '/v1/providers', [[name, 'x']]),
  statuses: [400],
}));

const badMethod = fc.constantFrom('FOO', 'get', 'Post', 'G@T', 'QUERY', 'BREW', 'DELETE ').map((method) => ({
  category: 'protocol.bad-method',
  request: base(method, '/v1/servers'),
  statuses: [400, 404, 405],
}));

const rawTarget = fc
  .constantFrom(
    '/v1/servers/a b',
    '/v1/servers/\u0001',
    '/v1/servers/\u007f',
    '/v1/servers?name=a b',
    '/v1/ser\tvers',
  )
  .map((target) => ({ category: 'protocol.raw-target', request: base('GET', target), statuses: [400, 404] }));

const badPercent = fc
  .constantFrom('%', '%zz', '%E0%A4%A', '%C0%AF', 'cm:%FF', 'cm:%ED%A0%80', '%u0041')
  .chain((id) =>
    fc.constantFrom(
      `/v1/servers/${id}`,
      `/v1/volumes/${id}/attach`,
      `/v1/providers/${id}/images`,
      `/v1/tasks/${id}`,
    ),
  )
  .map((target) => ({
    category: 'protocol.bad-percent-encoding',
    request: base(target.endsWith('/attach') ? 'POST' : 'GET', target),
    statuses: [400, 404],
  }));

const longParam = fc
  .tuple(
    fc.integer({ min: 513, max: 14_000 }),
    fc.constantFrom('/v1/servers/', '/v1/providers/', '/v1/tasks/'),
  )
  .map(([length, prefix]) => ({
    category: 'protocol.long-path-param',
    request: base('GET', `${prefix}cm:${'x'.repeat(length)}`),
    statuses: [400, 404, 414],
  }));

const hugeHead = fc.tuple(fc.integer({ min: 17_000, max: 80_000 }), fc.boolean()).map(([size, many]) => ({
  category: 'protocol.head-too-large',
  request: base(
    'GET',
    '/v1/providers',
    many
      ? Array.from({ length: Math.ceil(size / 1000) }, (_, i): [string, string] => [
          `X-Fuzz-${i}`,
          'v'.repeat(990),
        ])
      : [['Authorization', `Bearer ${'k'.repeat(size)}`]],
  ),
  statuses: [400, 431],
}));

const notPreflight = fc
  .tuple(fc.constantFrom('/v1/servers', '/v1/servers/cm:1', '/health/live', '/nowhere'), fc.boolean())
  .map(([target, withOrigin]) => ({
    category: 'protocol.options-not-preflight',
    request: base('OPTIONS', target, withOrigin ? [['Origin', 'https://app.example.com']] : []),
    statuses: [200, 204, 400, 404, 405],
  }));

export function protocolCases(): fc.Arbitrary<FuzzCase> {
  return fc
    .oneof(
      controlInHeader,
      badHeaderName,
      badMethod,
      rawTarget,
      badPercent,
      longParam,
      hugeHead,
      notPreflight,
    )
    .map(({ category, request, statuses, ...rest }): FuzzCase => ({
      category,
      request,
      expect: { statuses },
      ownAuth: 'ownAuth' in rest && rest.ownAuth === true,
    }));
}
