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

  describe('Redis topology', () => {
    it('should leave the topology unset without any variable: the sandbox starts its own Redis', () => {
      expect(readEnv({})).toMatchObject({ redis: undefined, redisUrl: undefined });
    });

    it('should read one server from REDIS_URL, keeping env.redisUrl for its readers', () => {
      const env = readEnv({ REDIS_URL: 'redis://redis:6379/2' });
      expect(env.redisUrl).toBe('redis://redis:6379/2');
      expect(env.redis).toEqual({ topology: { kind: 'single', url: 'redis://redis:6379/2' }, tls: false });
      expect(readEnv({ REDIS_URL: 'rediss://redis:6380', REDIS_TLS_CA: '/ca.pem' }).redis).toMatchObject({
        tlsCaPath: '/ca.pem',
      });
      expect(readEnv({ REDIS_URL: 'unix:///run/redis.sock' }).redis?.topology).toEqual({
        kind: 'single',
        url: 'unix:///run/redis.sock',
      });
      expect(() => readEnv({ REDIS_URL: 'http://redis:6379' })).toThrow(/REDIS_URL: must be a redis:\/\//);
    });

    it('should read a cluster from REDIS_CLUSTER_NODES, IPv6 in brackets, 6379 when the port is left out', () => {
      const env = readEnv({ REDIS_CLUSTER_NODES: ' 10.0.0.1:7000, [::1]:7001 ,redis-2 ' });
      expect(env.redis?.topology).toEqual({
        kind: 'cluster',
        nodes: [
          { host: '10.0.0.1', port: 7000 },
          { host: '::1', port: 7001 },
          { host: 'redis-2', port: 6379 },
        ],
      });
      expect(env.redisUrl).toBeUndefined();
      expect(() => readEnv({ REDIS_CLUSTER_NODES: 'a:1,b:99999' })).toThrow(
        /REDIS_CLUSTER_NODES: must be host:port pairs separated by commas, got 'b:99999'/,
      );
      expect(() => readEnv({ REDIS_CLUSTER_NODES: 'a:1,,b:2' })).toThrow(/got ''/);
    });

    it('should read Sentinel from REDIS_SENTINELS and REDIS_SENTINEL_NAME, 26379 when the port is left out', () => {
      const env = readEnv({ REDIS_SENTINELS: 's0:26380,s1', REDIS_SENTINEL_NAME: 'cloudmux' });
      expect(env.redis?.topology).toEqual({
        kind: 'sentinel',
        sentinels: [
          { host: 's0', port: 26380 },
          { host: 's1', port: 26379 },
        ],
        name: 'cloudmux',
      });
    });

    it('should refuse a sentinel list without a name, and a name or sentinel password without sentinels', () => {
      expect(() => readEnv({ REDIS_SENTINELS: 's0:26379' })).toThrow(
        /REDIS_SENTINELS: needs REDIS_SENTINEL_NAME/,
      );
      expect(() => readEnv({ REDIS_URL: 'redis://r:6379', REDIS_SENTINEL_NAME: 'cloudmux' })).toThrow(
        /REDIS_SENTINEL_NAME: is set without REDIS_SENTINELS/,
      );
      expect(() => readEnv({ REDIS_URL: 'redis://r:6379', REDIS_SENTINEL_PASSWORD: 'x' })).toThrow(
        /REDIS_SENTINEL_PASSWORD: is set without REDIS_SENTINELS/,
      );
    });

    it('should refuse more than one topology, naming every variable set', () => {
      expect(() => readEnv({ REDIS_URL: 'redis://r:6379', REDIS_CLUSTER_NODES: 'a:7000' })).toThrow(
        /REDIS_URL, REDIS_CLUSTER_NODES: set only one of them/,
      );
      expect(() =>
        readEnv({
          REDIS_URL: 'redis://r:6379',
          REDIS_CLUSTER_NODES: 'a:7000',
          REDIS_SENTINELS: 's:26379',
          REDIS_SENTINEL_NAME: 'n',
        }),
      ).toThrow(/REDIS_URL, REDIS_CLUSTER_NODES, REDIS_SENTINELS: set only one of them/);
    });

    it('should take credentials and TLS for every topology', () => {
      const env = readEnv({
        REDIS_SENTINELS: 's0:26379',
        REDIS_SENTINEL_NAME: 'cloudmux',
        REDIS_USERNAME: 'gateway',
        REDIS_PASSWORD: 'data-secret',
        REDIS_SENTINEL_PASSWORD: 'sentinel-secret',
        REDIS_TLS: '1',
        REDIS_TLS_CA: '/etc/redis/ca.pem',
      });
      expect(env.redis).toMatchObject({
        username: 'gateway',
        password: 'data-secret',
        sentinelPassword: 'sentinel-secret',
        tls: true,
        tlsCaPath: '/etc/redis/ca.pem',
      });
      expect(
        readEnv({ REDIS_CLUSTER_NODES: 'a:7000', REDIS_PASSWORD: 'p', REDIS_TLS: '1' }).redis,
      ).toMatchObject({
        password: 'p',
        tls: true,
      });
      expect(() => readEnv({ REDIS_URL: 'redis://r:6379', REDIS_TLS: 'yes' })).toThrow(
        /REDIS_TLS: must be 1 or 0/,
      );
      expect(() => readEnv({ REDIS_URL: 'redis://r:6379', REDIS_TLS_CA: '/ca.pem' })).toThrow(
        /REDIS_TLS_CA: is set without TLS/,
      );
    });

    it('should not ignore credentials or TLS set for no Redis at all', () => {
      expect(() => readEnv({ REDIS_PASSWORD: 'p', REDIS_TLS: '1' })).toThrow(
        /REDIS_PASSWORD, REDIS_TLS: set without REDIS_URL, REDIS_CLUSTER_NODES or REDIS_SENTINELS/,
      );
    });
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
