import { ConflictError, ValidationError } from '../../../common/errors/gateway-error';
import { USER_DATA_MAX_BYTES, withoutUserData } from './create.steps';

describe('CloudMC server create: user data', () => {
  it('should mask user data a backend repeats in an error, everywhere the error carries text', () => {
    const userData = '#!/bin/sh\necho s3cret-token';
    const error = new ValidationError(`rejected: ${userData}`, [{ field: 'userData', message: userData }], {
      upstream: { status: 400, code: '2001', message: `bad ${userData}` },
    });
    const masked = withoutUserData(error, userData);
    expect(masked).toBe(error);
    expect(JSON.stringify({ ...masked, message: masked.message, stack: masked.stack })).not.toContain(
      's3cret',
    );
    expect(masked.message).toBe('rejected: [redacted]');
  });

  it('should leave errors alone without user data, with very short user data, or that are not gateway errors', () => {
    const error = new ConflictError('abc taken');
    expect(withoutUserData(error, undefined).message).toBe('abc taken');
    expect(withoutUserData(error, 'abc').message).toBe('abc taken');
    const plain = new Error('s3cret-token');
    expect(withoutUserData(plain, 's3cret-token').message).toBe('s3cret-token');
  });

  it('should take 24 KiB: CloudStack caps the base64 CloudMC sends it at 32768 characters', () => {
    expect(Buffer.from('x'.repeat(USER_DATA_MAX_BYTES)).toString('base64').length).toBeLessThanOrEqual(
      32_768,
    );
    expect(Buffer.from('x'.repeat(USER_DATA_MAX_BYTES + 1)).toString('base64').length).toBeGreaterThan(
      32_768,
    );
  });
});
