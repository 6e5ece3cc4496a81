import { ArgumentMetadata, ValidationPipe, ValidationError as ClassValidationError } from '@nestjs/common';
import { FieldError, ValidationError } from '../errors/gateway-error';

function flatten(errors: ClassValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({
      field,
      message:
        error.constraints?.whitelistValidation === message ? `unknown field '${error.property}'` : message,
    }));
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

/** Field errors of class-validator, as one `validation_failed` problem. */
export function validationFailure(errors: ClassValidationError[]): ValidationError {
  const fields = flatten(errors);
  // A field may break several rules (one entry each): the detail counts fields, not entries.
  const names = [...new Set(fields.map((f) => f.field))];
  const listed = names.length > 10 ? `${names.slice(0, 10).join(', ')}, …` : names.join(', ');
  const detail =
    names.length === 0
      ? 'The request is not valid.'
      : names.length === 1
        ? `${names[0]}: ${fields.map((f) => f.message).join('; ')}`
        : `${names.length} fields are not valid: ${listed}.`;
  return new ValidationError(detail, fields);
}

const REMEMBERED_QUERIES = 500;

/** Deepest nesting a body may have: class-transformer recurses per level, and ~3,000 overflow the stack. */
export const MAX_BODY_DEPTH = 32;

/** Keys class-transformer drops without a word (`constructor`, `toString`...): refused as unknown instead. */
const isDroppedKey = (key: string) => key in Object.prototype || key === 'prototype';

/**
 * What class-validator cannot see, found in one walk without recursion: a key class-transformer would drop
 * (anywhere) and, for bodies, nesting deeper than MAX_BODY_DEPTH (reported under its top-level field).
 */
function refuseUnseen(value: unknown, maxDepth: number): void {
  const stack: Array<{ node: unknown; depth: number; path: string; top: string }> = [
    { node: value, depth: 1, path: '', top: 'body' },
  ];
  while (stack.length) {
    const { node, depth, path, top } = stack.pop()!;
    if (!node || typeof node !== 'object') continue;
    if (depth > maxDepth)
      throw new ValidationError(`${top}: nested deeper than ${maxDepth} levels`, [
        { field: top, message: `must not nest deeper than ${maxDepth} levels` },
      ]);
    for (const [key, child] of Object.entries(node)) {
      const field = path ? `${path}.${key}` : key;
      if (!Array.isArray(node) && isDroppedKey(key))
        throw new ValidationError(`${field}: unknown field '${key}'`, [
          { field, message: `unknown field '${key}'` },
        ]);
      const nextTop = depth === 1 && !Array.isArray(node) ? key : top;
      stack.push({ node: child, depth: depth + 1, path: field, top: nextTop });
    }
  }
}

/**
 * Unknown fields are rejected, not dropped: a typo in a field name must not silently do something else.
 * Bodies nested deeper than MAX_BODY_DEPTH are refused before class-transformer walks them.
 * Query strings repeat (frontends poll the same list), and transforming and validating them again costs about
 * a tenth of a cached read, so a valid query's result is remembered (frozen, bounded).
 */
export class GatewayValidationPipe extends ValidationPipe {
  private readonly queries = new Map<string, unknown>();

  constructor() {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      forbidUnknownValues: true,
      transform: true,
      validationError: { target: false, value: false },
      exceptionFactory: validationFailure,
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type !== 'query' || !metadata.metatype) {
      if (metadata.type === 'body' && metadata.metatype) {
        // ValidationPipe turns null into {}: a JSON `null` body would pass as an empty object.
        if (value === null)
          throw new ValidationError('The request body must be a JSON object, not null.', [
            { field: 'body', message: 'must be an object' },
          ]);
        refuseUnseen(value, MAX_BODY_DEPTH);
      }
      return super.transform(value, metadata);
    }
    const key = `${metadata.metatype.name}\u0000${JSON.stringify(value)}`;
    const known = this.queries.get(key);
    if (known) return known;
    refuseUnseen(value, Infinity);
    const result = (await super.transform(value, metadata)) as object;
    if (this.queries.size < REMEMBERED_QUERIES) this.queries.set(key, Object.freeze(result));
    return result;
  }
}

export function createValidationPipe(): ValidationPipe {
  return new GatewayValidationPipe();
}
