import fc from 'fast-check';
import { MAX_BODY_DEPTH as MAX_DEPTH } from '../../src/common/http/validation';
import type { Fixtures } from './fixtures';
import { baseBody } from './openapi-mutations';
import { concretePath, deadId, type FuzzCase, isMutation, JSON_TYPE, refused } from './fuzz-case';
import type { Operation } from './openapi-model';

/** The gateway's body limit in the test config (`server.bodyLimitBytes`). */
export const BODY_LIMIT = 65_536;

const UNKNOWN_CONNECTION = 'zz-fuzz';

/**
 * A JSON body for `op` that can only end in 404 if it is valid: ids and the `provider` of creates name
 * things that do not exist. Any request built on it is safe: it can never become a task.
 */
function deadTarget(op: Operation, fixtures: Fixtures, pick: number): { target: string; body: string } {
  const target = concretePath(op, fixtures, 'dead', pick);
  const body = op.body ? baseBody(op.body, UNKNOWN_CONNECTION) : {};
  return { target, body: JSON.stringify(body) };
}

/** How a request that passed parsing ends on a dead target: 404, or 400 where the body breaks the schema. */
const DEAD_END = [400, 404];

function parses(bytes: Buffer): boolean {
  try {
    // RFC 8259 lets a parser ignore a byte order mark.
    JSON.parse(bytes.toString('utf8').replace(/^\uFEFF/, ''));
    return true;
  } catch {
    return false;
  }
}

const GARBAGE = [
  '{',
  '}',
  '[',
  ']',
  ',',
  ':',
  '"',
  '\\',
  "'",
  'NaN',
  'Infinity',
  'undefined',
  '//',
  '/*',
  '\u0001',
  '\n',
];

/** Corrupts the bytes of a valid body: truncate, insert or append garbage, replace, break the UTF-8. */
const corruption = fc.oneof(
  fc.nat().map((n) => (text: string) => Buffer.from(text.slice(0, 1 + (n % Math.max(1, text.length - 1))))),
  fc.tuple(fc.nat(), fc.constantFrom(...GARBAGE)).map(
    ([n, g]) =>
      (text: string) =>
        Buffer.from(text.slice(0, n % text.length) + g + text.slice(n % text.length)),
  ),
  fc.constantFrom(...GARBAGE, ' x', 'null', '{}').map((g) => (text: string) => Buffer.from(text + g)),
  fc
    .constantFrom(
      "{'provider':'x'}",
      '{provider: 1}',
      '/* c */ {}',
      '{"a":1,}',
      '[1,]',
      '"\\x41"',
      '"\\u12"',
      '01',
      '.5',
    )
    .map((g) => () => Buffer.from(g)),
  fc
    .tuple(
      fc.nat(),
      fc.constantFrom([0xff], [0xc3, 0x28], [0xe2, 0x82], [0xf0, 0x90, 0x28, 0xbc], [0xc0, 0xaf], [0]),
    )
    .map(([n, bytes]) => (text: string) => {
      const raw = Buffer.from(text);
      const at = n % raw.length;
      return Buffer.concat([raw.subarray(0, at), Buffer.from(bytes), raw.subarray(at)]);
    }),
  fc.constant((text: string) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)])),
);

/** Bytes that are not JSON (400), or are JSON after all (then they end on the dead target). */
export function invalidJsonCases(operations: Operation[], fixtures: Fixtures): fc.Arbitrary<FuzzCase> {
  const ops = operations.filter(isMutation);
  return fc.tuple(fc.constantFrom(...ops), fc.nat(), corruption).map(([op, pick, corrupt]): FuzzCase => {
    const { target, body } = deadTarget(op, fixtures, pick);
    const bytes = corrupt(body);
    const valid = parses(bytes);
    return {
      category: valid ? 'json.still-valid' : 'json.invalid-bytes',
      request: { method: op.method, target, headers: [JSON_TYPE], body: bytes },
      expect: valid ? { statuses: DEAD_END } : refused(),
    };
  });
}

function nested(depth: number, shape: 'array' | 'object'): string {
  return shape === 'array'
    ? `${'['.repeat(depth)}1${']'.repeat(depth)}`
    : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

/** Bodies nested past MAX_DEPTH up to 10,000 levels: under an unknown field, a known one, or providerOptions. */
export function deepCases(operations: Operation[], fixtures: Fixtures): fc.Arbitrary<FuzzCase> {
  const ops = operations.filter((op) => op.body);
  const depth = fc.oneof(fc.integer({ min: MAX_DEPTH + 1, max: 300 }), fc.integer({ min: 300, max: 10_000 }));
  const place = fc.constantFrom('unknown', 'known', 'providerOptions', 'top');
  return fc
    .tuple(
      fc.constantFrom(...ops),
      fc.nat(),
      depth,
      fc.constantFrom<'array' | 'object'>('array', 'object'),
      place,
    )
    .map(([op, pick, d, shape, where]): FuzzCase => {
      const connection = fixtures.connections[pick % fixtures.connections.length];
      const body = baseBody(op.body!, connection);
      const known = Object.keys(op.body!.properties ?? {})[0];
      const key = where === 'unknown' ? 'fuzzDeep' : where === 'known' ? known : 'providerOptions';
      const deep = nested(d, shape);
      const text =
        where === 'top'
          ? deep
          : `${JSON.stringify(body).slice(0, -1)}${Object.keys(body).length ? ',' : ''}"${key}":${deep}}`;
      const target = op.path.includes('{') ? concretePath(op, fixtures, 'live', pick) : op.path;
      return {
        category: `depth.${d > 1000 ? 'over-1000' : 'over-limit'}`,
        request: { method: op.method, target, headers: [JSON_TYPE], body: text },
        expect: refused(),
      };
    });
}

/** Bodies around and over the limit, with Content-Length or chunked: over it 413, at or under it not. */
export function sizeCases(operations: Operation[], fixtures: Fixtures): fc.Arbitrary<FuzzCase> {
  const ops = operations.filter(isMutation);
  const size = fc.oneof(
    fc.integer({ min: BODY_LIMIT - 64, max: BODY_LIMIT + 64 }),
    fc.integer({ min: BODY_LIMIT + 1, max: 300_000 }),
  );
  return fc
    .tuple(fc.constantFrom(...ops), fc.nat(), size, fc.boolean())
    .map(([op, pick, bytes, chunked]): FuzzCase => {
      const { target } = deadTarget(op, fixtures, pick);
      // A long name: a valid JSON object of exactly `bytes` bytes, refused for its size or for its name.
      const name = 'n'.repeat(Math.max(0, bytes - '{"name":""}'.length));
      return {
        category: bytes > BODY_LIMIT ? 'size.over-limit' : 'size.at-limit',
        request: { method: op.method, target, headers: [JSON_TYPE], body: `{"name":"${name}"}`, chunked },
        expect: bytes > BODY_LIMIT ? { statuses: [413] } : { statuses: DEAD_END },
      };
    });
}

/**
 * Valid input in unusual characters: names in any script, lone surrogates, escaped NULs. The rename of a server
 * that does not exist must get as far as 404 unless the name breaks a rule (control characters → 400).
 */
export function unicodeCases(fixtures: Fixtures): fc.Arbitrary<FuzzCase> {
  const name = fc.oneof(
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }),
    fc.constantFrom(
      '\u0000',
      'a\u0000b',
      '\ud800',
      '\udfff x',
      '\u202e\u0644',
      '名前',
      '🙂🙂',
      '\u0085',
      '\u2028',
    ),
  );
  // Only variation selectors count as empty for class-validator's length: not what is fuzzed here.
  const visible = name.filter((n) => n.replace(/[\uFE0E\uFE0F]/g, '') !== '');
  return fc.tuple(fc.nat(), visible).map(([pick, value]): FuzzCase => {
    const target = `/v1/servers/${deadId(fixtures.connections[pick % fixtures.connections.length], pick)}`;
    const control = /[\x00-\x1f\x7f]/.test(value);
    return {
      category: control ? 'unicode.control-characters' : 'unicode.valid',
      request: { method: 'PATCH', target, headers: [JSON_TYPE], body: JSON.stringify({ name: value }) },
      expect: control ? refused(['name']) : { statuses: [404] },
    };
  });
}
