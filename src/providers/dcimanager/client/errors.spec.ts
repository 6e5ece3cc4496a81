import { GatewayError, ProviderAuthError } from '../../../common/errors/gateway-error';
import { isTransient } from '../../kit/http/transport-errors';
import { DciSessionError, DciWakingError, parseDciError, parseDciLoginError, readDciError } from './errors';

const response = (status: number, body: unknown) => ({
  status,
  headers: {},
  body: typeof body === 'string' ? body : JSON.stringify(body),
});
// The documented body: {"error": {"code", "msg", "value"}} (api-guide).
const dciError = (code: number, msg: string, value: unknown = {}) => ({ error: { code, msg, value } });

describe('parseDciError', () => {
  it('should read code and message of the documented error body, never the value', () => {
    const error = parseDciError(response(400, dciError(2001, "Field 'hdd_raid' is wrong", { secret: 'x' })));
    expect(error).toMatchObject({
      code: 'validation_failed',
      status: 400,
      upstream: { status: 400, code: '2001', message: "Field 'hdd_raid' is wrong" },
    });
    expect(JSON.stringify(error)).not.toContain('secret');
  });

  it('should not parse an error body larger than 64 KiB: the status alone decides', () => {
    const huge = { ...dciError(1000, 'x'), padding: 'p'.repeat(64 * 1024) };
    expect(parseDciError(response(409, dciError(1000, 'x')))).toBeInstanceOf(DciSessionError);
    const error = parseDciError(response(409, huge));
    expect(error).toMatchObject({ code: 'conflict', upstream: { status: 409, code: null, message: null } });
    expect(readDciError(JSON.stringify(huge))).toBeNull();
  });

  it('should take a 401, or code 1000 with any status, for an ended session', () => {
    for (const [status, body] of [
      [401, dciError(1000, 'Unauthorized')],
      [401, ''],
      [403, dciError(1000, 'Unauthorized')],
      [400, dciError(1000, 'Session expired')],
    ] as const) {
      const error = parseDciError(response(status, body));
      expect(error).toBeInstanceOf(DciSessionError);
      expect(error).toBeInstanceOf(ProviderAuthError);
    }
  });

  it('should mark a 503 as a waking service that the breaker does not count', () => {
    const error = parseDciError(response(503, dciError(5030, 'Service dci is starting')));
    expect(error).toBeInstanceOf(DciWakingError);
    expect(error).toMatchObject({ code: 'provider_unavailable', status: 503, retryable: false });
    expect(isTransient(error)).toBe(false);
  });

  it.each([
    [403, 'provider_auth_failed', false],
    [404, 'not_found', false],
    [409, 'conflict', false],
    [429, 'provider_unavailable', true],
    [500, 'provider_error', true],
    [502, 'provider_error', true],
    [418, 'provider_error', false],
  ])('should map HTTP %i to %s (retryable %s)', (status, code, retryable) => {
    const error = parseDciError(response(status, dciError(4242, 'something')));
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({
      code,
      retryable,
      upstream: { status, code: '4242', message: 'something' },
    });
  });

  it('should survive bodies that are not the error shape', () => {
    expect(readDciError('<html>bad gateway</html>')).toBeNull();
    expect(readDciError(JSON.stringify({ list: [] }))).toBeNull();
    expect(readDciError(JSON.stringify({ error: { message: 'old style' } }))).toEqual({
      code: null,
      msg: 'old style',
    });
    expect(parseDciError(response(500, 'oops')).upstream).toEqual({ status: 500, code: null, message: null });
  });
});

describe('parseDciLoginError', () => {
  it('should blame the connection credentials for a refused login, not the session', () => {
    const error = parseDciLoginError(response(401, dciError(1001, 'Invalid email or password')));
    expect(error).toBeInstanceOf(ProviderAuthError);
    expect(error).not.toBeInstanceOf(DciSessionError);
    expect(error.message).toMatch(/email and password/);
    expect(parseDciLoginError(response(503, dciError(5030, 'starting')))).toBeInstanceOf(DciWakingError);
  });
});
