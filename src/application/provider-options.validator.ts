import { Inject, Injectable, Optional } from '@nestjs/common';
import { Type } from '@sinclair/typebox';
import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { ValidationError } from '../common/errors/gateway-error';
import { describeSchemaErrors } from '../config/config.validator';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway-config';
import type { OperationName } from '../providers/ports/operations';
import type { Connection } from '../providers/registry/connection';
import { sealSecrets, secretOptionPaths } from '../tasks/task-secrets';

/** Operations without a published schema accept no provider options at all. */
export const NO_OPTIONS = Type.Object({}, { additionalProperties: false });

/**
 * Checks `providerOptions` against the JSON Schema the adapter publishes for the operation; a secret option
 * (`writeOnly`) is refused when the gateway has no `tasks.secretKey` to store it encrypted.
 */
@Injectable()
export class ProviderOptionsValidator {
  private readonly ajv = addFormats(new Ajv({ allErrors: true, useDefaults: true, strict: false }));
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(@Optional() @Inject(GATEWAY_CONFIG) private readonly config?: GatewayConfig) {}

  /** Validates (and fills defaults into) the options; unknown keys → 400. */
  validate(
    adapter: Connection,
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
    // Without a key, a secret given here answers 400 now (before any backend call), as the task intake would.
    if (!this.config?.tasks?.secretKey)
      sealSecrets(
        null,
        '',
        { providerOptions: value },
        secretOptionPaths(adapter.optionSchemas?.[operation]),
      );
    return value;
  }
}
