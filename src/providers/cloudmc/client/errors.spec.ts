import { parseCloudmcError } from './errors';

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

  it('should not parse an error body larger than 64 KiB: the status alone decides', () => {
    const entry = {
      code: 2012,
      message: 'x',
      context: { currentState: 'Stopped', expectedStates: ['Running'] },
    };
    const huge = { errors: [entry], padding: 'p'.repeat(64 * 1024) };
    expect(parseCloudmcError(response(400, { errors: [entry] }))).toMatchObject({ code: 'conflict' });
    expect(parseCloudmcError(response(400, huge))).toMatchObject({
      code: 'validation_failed',
      upstream: { status: 400, code: null, message: null },
    });
    const failedTask = { data: { status: 'FAILED', result: 'no' }, padding: 'p'.repeat(64 * 1024) };
    expect(parseCloudmcError(response(400, failedTask))).toMatchObject({ code: 'validation_failed' });
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
    [405, 'unsupported_operation', false],
  ])('should map HTTP %p to %p (retryable %p)', (status, code, retryable) => {
    expect(parseCloudmcError(response(status, { errors: [{ code: 1, message: 'm' }] }))).toMatchObject({
      code,
      retryable,
    });
  });

  it('should keep every entry of a body with several errors, naming their fields', () => {
    const error = parseCloudmcError(
      response(400, {
        errors: [
          { code: 2002, message: 'The field name is required', context: { field: 'name' } },
          { code: 2002, message: 'The field templateId is required', context: { field: 'templateId' } },
          { code: 2001, message: 'Bad value', field: 'cpuCount', context: {} },
          { code: 2012, message: 'Wrong state', context: { id: 'x', type: 'instances' } },
        ],
      }),
    );
    expect(error).toMatchObject({ code: 'validation_failed', status: 400 });
    expect(error.upstream).toEqual({
      status: 400,
      code: '2002',
      message: 'The field name is required',
      errors: [
        { code: '2002', message: 'The field name is required', field: 'name' },
        { code: '2002', message: 'The field templateId is required', field: 'templateId' },
        { code: '2001', message: 'Bad value', field: 'cpuCount' },
        { code: '2012', message: 'Wrong state' },
      ],
    });
  });

  it("should keep every entry of go-cloudca's errorCode form", () => {
    const error = parseCloudmcError(
      response(400, {
        errors: [
          { errorCode: 'FOO_ERROR', message: 'message1' },
          { errorCode: 'BAR_ERROR', message: 'message2' },
        ],
      }),
    );
    expect(error.upstream?.errors).toEqual([
      { code: 'FOO_ERROR', message: 'message1' },
      { code: 'BAR_ERROR', message: 'message2' },
    ]);
  });

  it('should bound the entries it keeps: at most 20, messages and fields cut at 500 characters', () => {
    const long = 'x'.repeat(800);
    const entries = Array.from({ length: 30 }, (_, i) => ({
      code: i,
      message: long,
      context: { field: long },
    }));
    const error = parseCloudmcError(response(400, { errors: [...entries, 'not an entry', null] }));
    expect(error.upstream?.errors).toHaveLength(20);
    expect(error.upstream?.errors?.[19]).toEqual({
      code: '19',
      message: 'x'.repeat(500),
      field: 'x'.repeat(500),
    });
    expect(error.upstream?.message).toHaveLength(500);
  });

  it('should skip entries that are not objects, and list nothing for a single error', () => {
    const mixed = parseCloudmcError(
      response(400, { errors: ['junk', { code: 1, message: 'a' }, 7, { errorCode: 'B' }] }),
    );
    expect(mixed.upstream).toEqual({
      status: 400,
      code: '1',
      message: 'a',
      errors: [
        { code: '1', message: 'a' },
        { code: 'B', message: null },
      ],
    });
    const single = parseCloudmcError(response(400, { errors: [{ code: 1, message: 'a' }] }));
    expect(single.upstream).toEqual({ status: 400, code: '1', message: 'a' });
  });

  it('should map an operation CloudMC does not support (405) to unsupported_operation, not retryable', () => {
    const error = parseCloudmcError(
      response(405, {
        errors: [
          {
            code: 1003,
            message: 'POST ?operation=restart is not supported on vpcs',
            context: { method: 'POST', operation: 'restart', type: 'vpcs' },
          },
        ],
      }),
    );
    expect(error).toMatchObject({
      code: 'unsupported_operation',
      status: 501,
      retryable: false,
      upstream: { status: 405, code: '1003', message: 'POST ?operation=restart is not supported on vpcs' },
    });
    expect(error.message).toContain('does not support');
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
