import { BadRequestException, HttpException, NotFoundException } from '@nestjs/common';
import { ReplyError } from 'ioredis';
import {
  ConflictError,
  ProviderAuthError,
  ProviderUnavailableError,
  UnsupportedOperationError,
  ValidationError,
} from './gateway-error';
import { toProblem } from './problem.mapper';
import { RedisUnavailableError } from './redis-unavailable';

const ctx = { requestId: 'req-1', instance: '/v1/servers' };

describe('toProblem', () => {
  it('should keep code, status, field errors and the request id when given a validation error', () => {
    const problem = toProblem(
      new ValidationError('bad', [{ field: 'name', message: 'must be a string' }]),
      ctx,
    );
    expect(problem).toMatchObject({
      status: 400,
      code: 'validation_failed',
      retryable: false,
      requestId: 'req-1',
      instance: '/v1/servers',
      errors: [{ field: 'name', message: 'must be a string' }],
    });
    expect(problem.type).toMatch(/validation-failed$/);
  });

  it('should carry provider, upstream and retryAfter when given a provider error', () => {
    const problem = toProblem(
      new ProviderUnavailableError('down', {
        provider: 'cm',
        upstream: { status: 503, code: null, message: 'busy' },
        retryAfter: 7,
      }),
      ctx,
    );
    expect(problem).toMatchObject({
      status: 503,
      code: 'provider_unavailable',
      retryable: true,
      provider: 'cm',
      upstream: { status: 503, code: null, message: 'busy' },
      retryAfter: 7,
    });
  });

  it('should answer 502 provider_auth_failed, not retryable, when the backend refuses our credentials', () => {
    expect(toProblem(new ProviderAuthError('no'), ctx)).toMatchObject({
      status: 502,
      code: 'provider_auth_failed',
      retryable: false,
    });
  });

  it('should add extension members such as activeTaskId to a conflict', () => {
    expect(toProblem(new ConflictError('busy', { extensions: { activeTaskId: 't1' } }), ctx)).toMatchObject({
      status: 409,
      code: 'conflict',
      activeTaskId: 't1',
    });
  });

  it('should answer 501 unsupported_operation naming provider and operation', () => {
    const problem = toProblem(new UnsupportedOperationError('dc1', 'volume.create'), ctx);
    expect(problem).toMatchObject({ status: 501, code: 'unsupported_operation', provider: 'dc1' });
    expect(problem.detail).toContain('volume.create');
  });

  it('should map Fastify body errors to 400, 413 and 415', () => {
    expect(
      toProblem(Object.assign(new Error('x'), { code: 'FST_ERR_CTP_INVALID_JSON_BODY' }), ctx).status,
    ).toBe(400);
    expect(toProblem(Object.assign(new Error('x'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE' }), ctx).status).toBe(
      413,
    );
    expect(
      toProblem(Object.assign(new Error('x'), { code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE' }), ctx).status,
    ).toBe(415);
  });

  it('should say what to send when the media type is refused, also as Nest hands the Fastify error over', () => {
    const fastifyError = Object.assign(new Error('Unsupported Media Type'), {
      code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE',
      statusCode: 415,
    });
    // Nest's Fastify adapter wraps a Fastify 4xx error in an HttpException, with the error as its cause.
    const wrapped = new HttpException(fastifyError.message, 415, { cause: fastifyError });
    for (const error of [fastifyError, wrapped]) {
      const problem = toProblem(error, ctx);
      expect(problem).toMatchObject({ status: 415, code: 'unsupported_media_type' });
      expect(problem.detail).toContain('application/json');
      expect(problem.detail).toContain('Content-Type');
    }
  });

  it('should map Nest HTTP exceptions by status', () => {
    expect(toProblem(new NotFoundException('Cannot GET /nope'), ctx)).toMatchObject({
      status: 404,
      code: 'not_found',
    });
    expect(toProblem(new BadRequestException('bad'), ctx)).toMatchObject({
      status: 400,
      code: 'validation_failed',
    });
  });

  it('should hide internals when given an unknown error', () => {
    const problem = toProblem(new TypeError('secret stack detail at /srv/app.js:10'), ctx);
    expect(problem).toMatchObject({ status: 500, code: 'internal', retryable: false });
    expect(JSON.stringify(problem)).not.toContain('secret');
  });
  it.each([
    ['FST_ERR_BAD_URL', 400, "'/v1/servers/%E0' is not a valid url component"],
    ['FST_ERR_MAX_PARAM_LENGTH', 414, `'/v1/servers/${'x'.repeat(600)}' is exceeding the max param length`],
  ])(
    'should answer the router refusal %s as a 400 without repeating the URL',
    (code, statusCode, message) => {
      const problem = toProblem(Object.assign(new Error(message), { code, statusCode }), ctx);
      expect(problem).toMatchObject({ status: 400, code: 'validation_failed' });
      expect(problem.detail).not.toContain('/v1/servers');
    },
  );

  describe('Redis failures (issue 12)', () => {
    const reply = (message: string): Error => new (ReplyError as new (message: string) => Error)(message);
    const named = (name: string, message: string) => Object.assign(new Error(message), { name });

    it.each([
      ['a refused write of a full Redis', reply("OOM command not allowed when used memory > 'maxmemory'.")],
      [
        'a refused write inside a script',
        reply("OOM command not allowed when used memory > 'maxmemory'. script: 2a9f, on @user_script:3."),
      ],
      ['an aborted transaction', reply('EXECABORT Transaction discarded because of previous errors.')],
      ['a read-only replica', reply("READONLY You can't write against a read only replica.")],
      ['a Redis still loading', reply('LOADING Redis is loading the dataset in memory')],
      ['a busy script', reply('BUSY Redis is busy running a script.')],
      [
        'a failing disk',
        reply('MISCONF Redis is configured to save RDB snapshots, but it is currently not able'),
      ],
      ['a command timeout', new Error('Command timed out')],
      ['a lost connection', new Error('Connection is closed.')],
      ['an offline command', new Error("Stream isn't writeable and enableOfflineQueue options is false")],
      [
        'a flushed offline queue',
        named('MaxRetriesPerRequestError', 'Reached the max retries per request limit (which is 1).'),
      ],
      [
        'a failure wrapped by a caller',
        new Error('saving failed', { cause: new Error('Command timed out') }),
      ],
    ])('should answer %s with 503 unavailable, retryable, with Retry-After', (_, error) => {
      const problem = toProblem(error, ctx);
      expect(problem).toMatchObject({ status: 503, code: 'unavailable', retryable: true });
      expect(problem.retryAfter).toBeGreaterThan(0);
      expect(problem.detail).not.toMatch(/maxmemory|user_script|replica/);
    });

    it('should keep a RedisUnavailableError thrown on purpose as it is', () => {
      expect(toProblem(new RedisUnavailableError('timeout'), ctx)).toMatchObject({
        status: 503,
        code: 'unavailable',
      });
    });

    it('should leave a Redis error about the command itself a gateway fault (500)', () => {
      const wrongType = reply('WRONGTYPE Operation against a key holding the wrong kind of value');
      expect(toProblem(wrongType, ctx)).toMatchObject({ status: 500, code: 'internal' });
    });
  });
});
