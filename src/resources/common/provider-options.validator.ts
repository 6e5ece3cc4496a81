import { Injectable } from '@nestjs/common';
import { Type } from '@sinclair/typebox';
import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { ValidationError } from '../../common/errors/gateway-error';
import { describeSchemaErrors } from '../../config/config.validator';
import type { OperationName } from '../../providers/ports/operations';
import type { ProviderAdapter } from '../../providers/ports/provider-adapter';

/** Operations without a published schema accept no provider options at all. */
export const NO_OPTIONS = Type.Object({}, { additionalProperties: false });

/** Checks `providerOptions` against the JSON Schema the adapter publishes for the operation. */
@Injectable()
export class ProviderOptionsValidator {
  private readonly ajv = addFormats(new Ajv({ allErrors: true, useDefaults: true, strict: false }));
  private readonly compiled = new Map<string, ValidateFunction>();

  /** Validates (and fills defaults into) the options; unknown keys → 400. */
  validate(
    adapter: ProviderAdapter,
    operation: OperationName,
    options: Record<string, unknown> | undefined,
  ): Record<string, unknown> {
    const key = `${adapter.name}\u0000${operation}`;
    let validate = this.compiled.get(key);
    if (!validate) {
      validate = this.ajv.compile({
        ...(adapter.optionSchemas?.[operation] ?? NO_OPTIONS),
        additionalProperties: false,
      });
      this.compiled.set(key, validate);
    }
    const value = structuredClone(options ?? {});
    if (!validate(value)) {
      const errors = describeSchemaErrors(validate.errors, ['providerOptions']).map((line) => {
        const separator = line.indexOf(': ');
        return { field: line.slice(0, separator), message: line.slice(separator + 2) };
      });
      throw new ValidationError(
        `providerOptions are not valid for ${operation} on '${adapter.name}'.`,
        errors,
      );
    }
    return value;
  }
}
