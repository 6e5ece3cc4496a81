import { applyDecorators } from '@nestjs/common';
import {
  IsString,
  Length,
  Matches,
  ValidateBy,
  type ValidationArguments,
  ValidationOptions,
} from 'class-validator';
import { MAX_PUBLIC_KEY_LENGTH, parsePublicKey, SSH_KEY_TYPES } from '../../common/ssh/public-key';
import { labelProblem, parseLabelSelector } from '../../domain/labels';

/** `<connection>:<nativeId>` or a bare native id of the request's connection. */
export const RESOURCE_REF = /^([a-z0-9][a-z0-9-]{0,39}:)?[A-Za-z0-9._~-]{1,200}$/;

export function IsResourceRef(options: ValidationOptions = {}): PropertyDecorator {
  return applyDecorators(
    IsString(options),
    Length(1, 241, options),
    Matches(RESOURCE_REF, {
      ...options,
      message: `${options.each ? 'each value in ' : ''}$property must be a resource id such as dc1:42`,
    }),
  );
}

/** Display names: 1 to 128 characters without control characters. */
export function IsResourceName(): PropertyDecorator {
  return applyDecorators(
    IsString(),
    Length(1, 128),
    Matches(/^[^\x00-\x1f\x7f]+$/, { message: '$property must not contain control characters' }),
  );
}

export const SSH_PUBLIC_KEY =
  /^(ssh-(rsa|ed25519|dss)|ecdsa-sha2-nistp(256|384|521)|sk-[a-z0-9@.-]+) [A-Za-z0-9+/]+={0,3}( [^\x00-\x1f\x7f]*)?$/;

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  !!value && typeof value === 'object' && !Array.isArray(value);

/**
 * Labels (docs/design.md#labels), checked with `labelProblem`: a 400 naming the field and the rule broken. With
 * `allowNull`, a value may be null (a PATCH removing the key).
 */
export function IsLabels(allowNull = false): PropertyDecorator {
  return ValidateBy({
    name: 'isLabels',
    validator: {
      validate: (value: unknown) => isPlainObject(value) && labelProblem(value, allowNull) === null,
      defaultMessage: (args?: ValidationArguments) =>
        isPlainObject(args?.value)
          ? `$property: ${labelProblem(args.value, allowNull)}`
          : `$property must be an object of label keys and ${allowNull ? 'values (null removes a key)' : 'values'}`,
    },
  });
}

/** `label` list filters (`key=value` or `key`), checked with `parseLabelSelector`. */
export function IsLabelSelector(): PropertyDecorator {
  return ValidateBy({
    name: 'isLabelSelector',
    validator: {
      validate: (value: unknown) =>
        Array.isArray(value) &&
        value.every((text) => typeof text === 'string' && typeof parseLabelSelector(text) !== 'string'),
      defaultMessage: (args?: ValidationArguments) => {
        const texts = Array.isArray(args?.value) ? (args.value as unknown[]) : [args?.value];
        for (const text of texts) {
          if (typeof text !== 'string') return '$property must be text: key=value or key';
          const problem = parseLabelSelector(text);
          if (typeof problem === 'string') return problem;
        }
        return '$property must be key=value or key';
      },
    },
  });
}

/** An OpenSSH public key line, checked as `ssh-keygen` would (`parsePublicKey`). */
export function IsOpenSshPublicKey(): PropertyDecorator {
  return ValidateBy({
    name: 'isOpenSshPublicKey',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && parsePublicKey(value) !== null,
      defaultMessage: () =>
        `$property must be an OpenSSH public key (${SSH_KEY_TYPES.join(', ')}): '<type> <base64> [comment]', at most ${MAX_PUBLIC_KEY_LENGTH} characters`,
    },
  });
}
