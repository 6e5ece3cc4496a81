import { parseCloudmcError } from './cloudmc-error.parser';

const response = (status: number, body: unknown) => ({
  status,
  headers: {},
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

describe('parseCloudmcError', () => {
  it('should read the documented numeric code and map a wrong-state 400 to a conflict with the states', () => {
    const error = parseCloudmcError(
      response(400, {
        errors: [
          {
            code: 2012,
            message: "Cannot stop an instance that isn't in the running state",
            context: { id: 'x', currentState: 'Stopped', expectedStates: ['Running'], type: 'instances' },
          },
        ],
      }),
    );
    expect(error).toMatchObject({
      code: 'conflict',
      status: 409,
      upstream: {
        status: 400,
        code: '2012',
        message: "Cannot stop an instance that isn't in the running state",
      },
      extensions: { currentState: 'Stopped', expectedStates: ['Running'] },
    });
    expect(error.message).toContain('Stopped');
  });

  it("should read go-cloudca's string errorCode form", () => {
    const error = parseCloudmcError(
      response(400, {
        errors: [
          { errorCode: 'FOO_ERROR', message: 'message1' },
          { errorCode: 'BAR_ERROR', message: 'message2' },
        ],
      }),
    );
    expect(error).toMatchObject({
      code: 'validation_failed',
      upstream: { status: 400, code: 'FOO_ERROR', message: 'message1' },
    });
  });

  it.each([
    [401, 'provider_auth_failed', false],
    [403, 'provider_auth_failed', false],
    [404, 'not_found', false],
    [409, 'conflict', false],
    [429, 'provider_unavailable', true],
    [500, 'provider_error', true],
    [503, 'provider_unavailable', true],
    [405, 'provider_error', false],
  ])('should map HTTP %p to %p (retryable %p)', (status, code, retryable) => {
    expect(parseCloudmcError(response(status, { errors: [{ code: 1, message: 'm' }] }))).toMatchObject({
      code,
      retryable,
    });
  });

  it('should recognise a FAILED task served with an error status', () => {
    const error = parseCloudmcError(
      response(400, {
        id: 't',
        status: 'PENDING',
        data: { id: 't', status: 'FAILED', result: { message: 'no capacity' } },
      }),
    );
    expect(error).toMatchObject({ code: 'provider_error', retryable: false, failure: 'no capacity' });
  });

  it('should not copy a body that is not the error envelope', () => {
    const error = parseCloudmcError(response(502, '<html>secret proxy page</html>'));
    expect(error).toMatchObject({
      code: 'provider_error',
      upstream: { status: 502, code: null, message: null },
    });
    expect(JSON.stringify(error)).not.toContain('secret');
  });
});
