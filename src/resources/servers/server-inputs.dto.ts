import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { IsResourceRef, SSH_PUBLIC_KEY } from '../common/validators';

/**
 * Longest `userData` the API takes at all (characters; a body is bounded by `server.bodyLimitBytes`, 64 KiB by
 * default, anyway); each connection's own limit, in UTF-8 bytes, is in its capability document
 * (`features.userData.maxBytes`) and is checked before any backend call.
 */
export const MAX_USER_DATA_LENGTH = 49_152;

/** What a server create and a rebuild share: keys and first-boot text. */
export function SshPublicKeysProperty(): PropertyDecorator {
  return applyDecorators(
    IsOptional(),
    IsArray(),
    ArrayMaxSize(16),
    MaxLength(16_384, { each: true }),
    Matches(SSH_PUBLIC_KEY, {
      each: true,
      message: 'each value in sshPublicKeys must be an OpenSSH public key',
    }),
  );
}

export function SshKeyIdsProperty(): PropertyDecorator {
  return applyDecorators(IsOptional(), IsArray(), ArrayMaxSize(16), IsResourceRef({ each: true }));
}

export function UserDataProperty(): PropertyDecorator {
  return applyDecorators(
    ApiProperty({
      required: false,
      writeOnly: true,
      maxLength: MAX_USER_DATA_LENGTH,
      description:
        'Cloud-init or script text for the first boot, as plain text (the gateway encodes it as the backend ' +
        'wants). At most `features.userData.maxBytes` bytes of UTF-8 on this connection; a connection without ' +
        '`features.userData.supported` answers 501. A secret: kept encrypted while its task runs, never logged, ' +
        'never shown again.',
    }),
    IsOptional(),
    IsString(),
    MaxLength(MAX_USER_DATA_LENGTH),
  );
}
