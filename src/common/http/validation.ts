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
  const detail =
    fields.length === 1
      ? `${fields[0].field}: ${fields[0].message}`
      : `${fields.length} fields are not valid.`;
  return new ValidationError(detail, fields);
}

const REMEMBERED_QUERIES = 500;

/**
 * Unknown fields are rejected, not dropped: a typo in a field name must not silently do something else.
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
    if (metadata.type !== 'query' || !metadata.metatype) return super.transform(value, metadata);
    const key = `${metadata.metatype.name}\u0000${JSON.stringify(value)}`;
    const known = this.queries.get(key);
    if (known) return known;
    const result = (await super.transform(value, metadata)) as object;
    if (this.queries.size < REMEMBERED_QUERIES) this.queries.set(key, Object.freeze(result));
    return result;
  }
}

export function createValidationPipe(): ValidationPipe {
  return new GatewayValidationPipe();
}
