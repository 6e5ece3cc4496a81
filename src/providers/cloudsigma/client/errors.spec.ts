import {
  ConflictError,
  NotFoundError,
  ProviderAuthError,
  ProviderError,
  ProviderTimeoutError,
  ProviderUnavailableError,
  ValidationError,
} from '../../../common/errors/gateway-error';
import { parseCloudsigmaError } from './errors';

// Error bodies shaped after the manual's examples (docs/providers/cloudsigma.md#errors), with our own values.

const answer = (status: number, body: string) => ({ status, headers: {}, body });

describe('parseCloudsigmaError', () => {
  it('should map 401 to a provider auth problem that is not retried', () => {
    const error = parseCloudsigmaError(answer(401, 'errors:system Authentication failed\n'));
    expect(error).toBeInstanceOf(ProviderAuthError);
    expect(error).toMatchObject({ retryable: false, upstream: { status: 401, code: 'system' } });
  });

  it('should map 400 "could not be found" and 404 to not found', () => {
    const error = parseCloudsigmaError(
      answer(
        400,
        'errors:system Drive 0d0e0f10-0000-4000-8000-00000000abcd could not be found. Please check.\n',
      ),
    );
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error.upstream).toEqual({
      status: 400,
      code: 'system',
      message: 'Drive 0d0e0f10-0000-4000-8000-00000000abcd could not be found. Please check.',
    });
    expect(parseCloudsigmaError(answer(404, ''))).toBeInstanceOf(NotFoundError);
  });

  it('should map 400 "currently in use" to a conflict that needs the caller, and 409 to a busy conflict', () => {
    const inUse = parseCloudsigmaError(
      answer(400, 'errors:system Drive d-1 is currently in use by server s-1.\n'),
    );
    expect(inUse).toBeInstanceOf(ConflictError);
    expect(inUse.retryable).toBe(false);
    const busy = parseCloudsigmaError(
      answer(409, 'errors:ide:0:0 Drive d-2 is busy: it is still being imaged.\n'),
    );
    expect(busy).toBeInstanceOf(ConflictError);
    expect(busy).toMatchObject({ retryable: true, upstream: { code: 'ide:0:0' } });
  });

  it('should map other 400s to validation problems naming each backend field, echoed keys ignored', () => {
    const error = parseCloudsigmaError(
      answer(
        400,
        'name web\ncpu 90000\nerrors:cpu Must be a whole number from 1000 to 20000.\nmem\nerrors:mem This field is required.\n',
      ),
    );
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.errors).toEqual([
      { field: 'cpu', message: 'Must be a whole number from 1000 to 20000.' },
      { field: 'mem', message: 'This field is required.' },
    ]);
    expect(error.message).toContain('Must be a whole number');
  });

  it('should keep a 400 without errors lines as validation without fields', () => {
    const error = parseCloudsigmaError(answer(400, ''));
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.errors).toBeUndefined();
    expect(error.upstream).toEqual({ status: 400, code: null, message: null });
  });

  it('should map 5xx to retryable provider errors, 503 to unavailable and 504 to a timeout', () => {
    expect(parseCloudsigmaError(answer(500, 'errors:system Failed command\n'))).toMatchObject({
      code: 'provider_error',
      retryable: true,
    });
    expect(parseCloudsigmaError(answer(503, ''))).toBeInstanceOf(ProviderUnavailableError);
    expect(parseCloudsigmaError(answer(504, 'errors:system Operation timed out\n'))).toBeInstanceOf(
      ProviderTimeoutError,
    );
  });

  it('should map 402 (billing) and 405 to provider errors that are not retried', () => {
    for (const status of [402, 405]) {
      const error = parseCloudsigmaError(answer(status, 'errors:system No.\n'));
      expect(error).toBeInstanceOf(ProviderError);
      expect(error.retryable).toBe(false);
    }
  });

  it('should cut long messages and read CRLF bodies', () => {
    const error = parseCloudsigmaError(answer(400, `errors:name ${'x'.repeat(900)}\r\n`));
    expect(error.upstream?.message).toHaveLength(500);
  });
});
