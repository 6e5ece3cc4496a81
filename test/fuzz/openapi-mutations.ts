import fc from 'fast-check';
import type { Fixtures } from './fixtures';
import { concretePath, type FuzzCase, JSON_TYPE, refused, resourceOf } from './fuzz-case';
import type { Operation, Schema } from './openapi-model';

type Body = Record<string, unknown>;

/**
 * Values the gateway takes for fields whose rules the document does not spell out (it publishes `type: string`
 * for ids and names). References name things that do not exist, so that a body is never a valid create.
 */
const VALID: Record<string, (connection: string) => unknown> = {
  provider: (c) => c,
  name: () => 'fuzz-name',
  imageId: (c) => `${c}:fuzz~image`,
  planId: (c) => `${c}:fuzz~plan`,
  locationId: (c) => `${c}:fuzz~location`,
  serverId: (c) => `${c}:fuzz~server`,
  networkIds: (c) => [`${c}:fuzz~network`],
  sshPublicKeys: () => ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFuzz fuzz@example.com'],
  cidr: () => '10.99.0.0/24',
};

function validValue(field: string, schema: Schema, connection: string): unknown {
  if (VALID[field]) return VALID[field](connection);
  if (schema.type === 'number') return Math.max(schema.minimum ?? 1, Math.min(2, schema.maximum ?? 2));
  if (schema.type === 'boolean') return true;
  if (schema.type === 'array') return [];
  if (schema.type === 'object') return {};
  return 'fuzz';
}

/** The required fields only: every optional one is then free to be added with a wrong value. */
export function baseBody(schema: Schema, connection: string): Body {
  return Object.fromEntries(
    (schema.required ?? []).map((f) => [f, validValue(f, schema.properties![f], connection)]),
  );
}

/** JSON values of another type than the schema's (null only for required fields: null is "not given"). */
function wrongTyped(schema: Schema, required: boolean): fc.Arbitrary<unknown> {
  const others: Record<string, fc.Arbitrary<unknown>> = {
    string: fc.oneof(fc.string(), fc.constantFrom('12', 'true', '')),
    number: fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true })),
    boolean: fc.boolean(),
    array: fc.array(fc.string(), { maxLength: 3 }),
    object: fc.dictionary(fc.string({ minLength: 1, maxLength: 5 }), fc.integer(), { maxKeys: 2 }),
  };
  const pool = Object.entries(others)
    .filter(([type]) => type !== schema.type)
    .map(([, arbitrary]) => arbitrary);
  return required ? fc.oneof(...pool, fc.constant(null)) : fc.oneof(...pool);
}

/** A string too long for the field: every string the gateway takes has a limit, published or not. */
const tooLong = (schema: Schema) =>
  fc
    .tuple(
      fc.integer({ min: Math.max((schema.maxLength ?? 256) + 1, 300), max: 60_000 }),
      fc.constantFrom('a', 'é', '~'),
    )
    .map(([length, char]) => char.repeat(char === 'é' ? Math.floor(length / 2) : length));

/** Numbers past a bound, including the ones JavaScript prints in exponent form (1e-7, 5e-324, 1e21). */
function outOfRange(schema: Schema): fc.Arbitrary<number> {
  const edges = [-1, 0, 1e-7, -1e-7, 5e-324, 1e21, 1e300, -1e300];
  const ranges: fc.Arbitrary<number>[] = [];
  const { minimum: min, maximum: max } = schema;
  if (min !== undefined)
    ranges.push(fc.double({ max: min, maxExcluded: true, noNaN: true, noDefaultInfinity: true }));
  if (max !== undefined)
    ranges.push(fc.double({ min: max, minExcluded: true, noNaN: true, noDefaultInfinity: true }));
  const outside = edges.filter((v) => (min !== undefined && v < min) || (max !== undefined && v > max));
  return fc.oneof(fc.constantFrom(...outside), ...ranges);
}

/** One body mutation: a label, the field it breaks, and how it changes the body. */
interface Mutation {
  kind: string;
  field?: string;
  apply(body: Body): unknown;
}

function fieldMutations(schema: Schema): fc.Arbitrary<Mutation>[] {
  const props = Object.entries(schema.properties ?? {});
  const required = new Set(schema.required ?? []);
  const set = (field: string, value: unknown) => (body: Body) => ({ ...body, [field]: value });
  // Keys that name Object.prototype members are dropped by class-transformer unless the gateway refuses them.
  const reserved = fc.constantFrom('toString', 'constructor', 'prototype', 'valueOf', 'hasOwnProperty');
  const out: fc.Arbitrary<Mutation>[] = props.map(([field, s]) =>
    wrongTyped(s, required.has(field)).map((v) => ({ kind: 'wrong-type', field, apply: set(field, v) })),
  );
  for (const field of required) {
    const drop = (body: Body) => Object.fromEntries(Object.entries(body).filter(([k]) => k !== field));
    out.push(fc.constant({ kind: 'missing-required', field, apply: drop }));
  }
  for (const [field, s] of props) {
    if (s.type === 'string')
      out.push(tooLong(s).map((v) => ({ kind: 'too-long', field, apply: set(field, v) })));
    if (s.type === 'number' && (s.minimum !== undefined || s.maximum !== undefined))
      out.push(outOfRange(s).map((v) => ({ kind: 'out-of-range', field, apply: set(field, v) })));
    if (s.type === 'array' && s.items?.type === 'string') {
      const item = fc.oneof(fc.integer(), fc.constant(null), fc.constant({}), fc.constant(['x']));
      out.push(item.map((v) => ({ kind: 'wrong-item-type', field, apply: set(field, [v]) })));
      out.push(tooLong(s.items).map((v) => ({ kind: 'too-long', field, apply: set(field, [v]) })));
    }
    if (s.type === 'array' && s.maxItems !== undefined) {
      const valid = validValue(field, s, 'cm') as unknown[];
      const sample = valid[0] ?? 'x';
      const count = fc.integer({ min: s.maxItems + 1, max: s.maxItems + 40 });
      out.push(
        count.map((n) => ({ kind: 'too-many-items', field, apply: set(field, Array(n).fill(sample)) })),
      );
    }
    if (s.type === 'object' && s.additionalProperties === true) {
      // providerOptions: unknown keys are refused against the connection's published schema (docs/design.md#provider-options).
      const key = fc.oneof(
        fc.string({ minLength: 1, maxLength: 20 }).map((k) => `fuzz${k}`),
        reserved,
      );
      out.push(key.map((k) => ({ kind: 'unknown-option', field, apply: set(field, { [k]: 1 }) })));
    }
  }
  const unknownKey = fc
    .oneof(
      fc.string({ minLength: 1, maxLength: 30 }),
      fc.constantFrom('id', 'status', 'admin', 'Provider', 'name '),
      reserved,
    )
    .filter((k) => !Object.hasOwn(schema.properties ?? {}, k) && k !== '__proto__');
  out.push(unknownKey.map((k) => ({ kind: 'unknown-field', field: k, apply: set(k, 'x') })));
  // `__proto__` is refused by the JSON parser itself (prototype poisoning): 400 without a field.
  out.push(
    fc.constant({ kind: 'proto-key', apply: (body: Body) => ({ ...body, ['__proto__']: { admin: true } }) }),
  );
  return out;
}

/** Bodies that are not an object at all, and `{}` where fields are required. */
function shapeMutations(schema: Schema): fc.Arbitrary<Mutation> {
  const wrong = fc.oneof(
    fc.constantFrom<unknown>(null, [], 'body', 42, true, false, 0, ''),
    fc.array(fc.jsonValue(), { minLength: 1, maxLength: 3 }),
  );
  const shapes = [wrong.map((v) => ({ kind: 'not-an-object', apply: () => v }))];
  if (schema.required?.length) shapes.push(fc.constant({ kind: 'empty-object', apply: () => ({}) }));
  return fc.oneof(...shapes);
}

/**
 * Invalid bodies for every operation that takes one. Operations on an id act on a resource that exists, so a
 * mutation the gateway failed to refuse would show as an accepted task.
 */
export function bodyCases(operations: Operation[], fixtures: Fixtures): fc.Arbitrary<FuzzCase> {
  const arbitraries = operations
    .filter((op) => op.body)
    .map((op) =>
      fc
        .tuple(
          fc.nat(),
          fc.oneof({ weight: 4, arbitrary: fc.oneof(...fieldMutations(op.body!)) }, shapeMutations(op.body!)),
        )
        .map(([pick, mutation]): FuzzCase => {
          const connection = fixtures.connections[pick % fixtures.connections.length];
          const body = mutation.apply(baseBody(op.body!, connection));
          const fields =
            mutation.kind === 'empty-object'
              ? op.body!.required
              : mutation.field
                ? [mutation.field]
                : undefined;
          return {
            category: `body.${mutation.kind}`,
            request: {
              method: op.method,
              target:
                resourceOf(op) && op.path.includes('{') ? concretePath(op, fixtures, 'live', pick) : op.path,
              headers: [JSON_TYPE],
              body: JSON.stringify(body),
            },
            expect: refused(fields),
          };
        }),
    );
  return fc.oneof(...arbitraries);
}
