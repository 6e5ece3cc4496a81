import { MAX_ERROR_BODY_CHARS, parseImcoError, readImcoErrorBody } from './errors';

const response = (status: number, body: unknown) => ({
  status,
  headers: {},
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

describe('readImcoErrorBody', () => {
  it('should parse at most the first 64 KiB of an error body (issue 12)', () => {
    const parse = jest.spyOn(JSON, 'parse');
    try {
      const huge = JSON.stringify({ errors: { name: ['is bad'] }, padding: 'x'.repeat(5_000_000) });
      const read = readImcoErrorBody(huge);
      expect(parse).toHaveBeenCalled();
      for (const [text] of parse.mock.calls) expect(text.length).toBeLessThanOrEqual(64 * 1024);
      // Cut there, the JSON is text: clipped, without fields.
      expect(read.fields).toEqual([]);
      expect(read.message!.length).toBeLessThanOrEqual(501);
      expect(parseImcoError(response(500, `<html>${'y'.repeat(5_000_000)}</html>`)).message).toMatch(/y…$/);
    } finally {
      parse.mockRestore();
    }
    expect(MAX_ERROR_BODY_CHARS).toBe(64 * 1024);
    // A body under the bound is read whole, as before.
    const padded = JSON.stringify({ error: 'short', padding: 'x'.repeat(60_000) });
    expect(readImcoErrorBody(padded)).toEqual({ fields: [], message: 'short' });
  });

  it('should flatten the errors hash into field messages', () => {
    expect(
      readImcoErrorBody(
        JSON.stringify({ errors: { name: ["can't be blank"], size: ['is too big', 'is odd'] } }),
      ),
    ).toEqual({
      fields: [
        { field: 'name', message: "can't be blank" },
        { field: 'size', message: 'is too big' },
        { field: 'size', message: 'is odd' },
      ],
      message: "name can't be blank; size is too big; size is odd",
    });
  });

  it('should read the error string, then fall back to the raw text without markup', () => {
    expect(readImcoErrorBody('{"error":"Server not found"}')).toEqual({
      fields: [],
      message: 'Server not found',
    });
    expect(readImcoErrorBody('<html><body><h1>502 Bad Gateway</h1></body></html>')).toEqual({
      fields: [],
      message: '502 Bad Gateway',
    });
    expect(readImcoErrorBody('[1, 2]').message).toBe('[1, 2]');
    expect(readImcoErrorBody('  ')).toEqual({ fields: [], message: null });
    expect(readImcoErrorBody('x'.repeat(2000)).message!.length).toBeLessThanOrEqual(501);
  });
});

describe('parseImcoError', () => {
  it('should map a 422 on the state field to a conflict naming the current state', () => {
    const error = parseImcoError(
      response(422, { errors: { state: ['cannot transition via "boot" from "operational"'] } }),
    );
    expect(error).toMatchObject({
      code: 'conflict',
      status: 409,
      upstream: {
        status: 422,
        code: 'state',
        message: 'state cannot transition via "boot" from "operational"',
      },
      extensions: { currentState: 'operational' },
    });
  });

  it('should map a 409 with the error string to a conflict', () => {
    expect(
      parseImcoError(response(409, { error: 'Cannot boot a server in state operational' })),
    ).toMatchObject({
      code: 'conflict',
      upstream: { status: 409, code: null, message: 'Cannot boot a server in state operational' },
    });
  });

  it('should map other 422s to validation errors with the fields IMCO named', () => {
    const error = parseImcoError(
      response(422, { errors: { template_id: ['is invalid'], base: ['quota exceeded'] } }),
    );
    expect(error).toMatchObject({
      code: 'validation_failed',
      status: 400,
      errors: [
        { field: 'template_id', message: 'is invalid' },
        { field: 'base', message: 'quota exceeded' },
      ],
    });
    expect(error.message).toContain('template_id is invalid; quota exceeded');
  });

  it('should map refused certificates (401, 403, an nginx 400 page) to auth problems', () => {
    for (const [status, body] of [
      [401, { error: 'Unauthorized' }],
      [403, 'Forbidden'],
      [400, '<html><head><title>400 The SSL certificate error</title></head></html>'],
    ] as const) {
      expect(parseImcoError(response(status, body))).toMatchObject({
        code: 'provider_auth_failed',
        retryable: false,
      });
    }
  });

  it('should map 404, 429/503, 5xx and anything else', () => {
    expect(parseImcoError(response(404, { error: "Couldn't find Server" }))).toMatchObject({
      code: 'not_found',
    });
    expect(parseImcoError(response(503, 'down for maintenance'))).toMatchObject({
      code: 'provider_unavailable',
      retryable: true,
      upstream: { message: 'down for maintenance' },
    });
    expect(parseImcoError(response(429, ''))).toMatchObject({
      code: 'provider_unavailable',
      upstream: { message: null },
    });
    expect(parseImcoError(response(500, { error: 'boom' }))).toMatchObject({
      code: 'provider_error',
      retryable: true,
    });
    expect(parseImcoError(response(418, {}))).toMatchObject({ code: 'provider_error', retryable: false });
  });
});
