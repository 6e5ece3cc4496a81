import { applyDecorators } from '@nestjs/common';
import { IsString, Length, Matches, ValidationOptions } from 'class-validator';

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
