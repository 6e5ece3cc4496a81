import { EnvError, listenFailure, readEnv } from './env';

describe('readEnv', () => {
  it('should listen on loopback in the sandbox (no GATEWAY_CONFIG) unless HOST says otherwise', () => {
    expect(readEnv({}).host).toBe('127.0.0.1');
    expect(readEnv({ HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
  });

  it('should keep listening on every interface for a configured gateway, unless HOST says otherwise', () => {
    expect(readEnv({ GATEWAY_CONFIG: '/config/gateway.yaml' }).host).toBe('0.0.0.0');
    expect(readEnv({ GATEWAY_CONFIG: '/config/gateway.yaml', HOST: '10.0.0.5' }).host).toBe('10.0.0.5');
  });

  it('should bound Redis waits: 5 s per command and per connection attempt unless set', () => {
    expect(readEnv({})).toMatchObject({ redisCommandTimeoutMs: 5_000, redisConnectTimeoutMs: 5_000 });
    expect(readEnv({ REDIS_COMMAND_TIMEOUT_MS: '800', REDIS_CONNECT_TIMEOUT_MS: '3000' })).toMatchObject({
      redisCommandTimeoutMs: 800,
      redisConnectTimeoutMs: 3_000,
    });
    expect(() => readEnv({ REDIS_COMMAND_TIMEOUT_MS: '0' })).toThrow(
      /REDIS_COMMAND_TIMEOUT_MS: must be milliseconds/,
    );
    expect(() => readEnv({ REDIS_CONNECT_TIMEOUT_MS: 'soon' })).toThrow(/REDIS_CONNECT_TIMEOUT_MS/);
  });

  it('should trace only when an OTLP endpoint is set, and not when the SDK is disabled', () => {
    expect(readEnv({})).toMatchObject({ otlpEndpoint: undefined, otelServiceName: 'cloudmux' });
    expect(
      readEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SERVICE_NAME: 'edge-gw' }),
    ).toMatchObject({ otlpEndpoint: 'http://collector:4318', otelServiceName: 'edge-gw' });
    expect(readEnv({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://c:4318/v1/traces' }).otlpEndpoint).toBe(
      'https://c:4318/v1/traces',
    );
    expect(
      readEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'true' })
        .otlpEndpoint,
    ).toBeUndefined();
    expect(() => readEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toThrow(
      /OTEL_EXPORTER_OTLP_ENDPOINT: must be an http\(s\) URL/,
    );
  });

  it('should name every bad variable', () => {
    expect(() => readEnv({ PORT: 'x', GATEWAY_ROLE: 'boss' })).toThrow(EnvError);
    expect(() => readEnv({ PORT: 'x' })).toThrow(/PORT: must be a port number, got 'x'/);
  });
});

describe('listenFailure', () => {
  const env = readEnv({ PORT: '3000' });
  const error = (code: string) => Object.assign(new Error(`listen ${code}: 127.0.0.1:3000`), { code });

  it('should say which variable picks another port when the port is taken, on one line', () => {
    const message = listenFailure(error('EADDRINUSE'), env);
    expect(message).toContain('3000');
    expect(message).toContain('already in use');
    expect(message).toContain('PORT=3001 npm start');
    expect(message).not.toContain('\n');
  });

  it('should say what to change when the port is refused or HOST is not an address here', () => {
    expect(listenFailure(error('EACCES'), env)).toMatch(/PORT=/);
    expect(listenFailure(error('EADDRNOTAVAIL'), readEnv({ HOST: '10.9.9.9' }))).toMatch(/HOST=127\.0\.0\.1/);
  });

  it('should leave any other error alone', () => {
    expect(listenFailure(new Error('boom'), env)).toBeUndefined();
    expect(listenFailure('text', env)).toBeUndefined();
  });
});
