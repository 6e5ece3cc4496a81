import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster, type RedisOptions } from 'ioredis';
import { EnvError, readEnv } from '../../config/env';
import type { GatewayConfig } from '../../config/gateway-config';
import {
  bullConnection,
  clientPlan,
  closeBullConnections,
  redisSettings,
  RedisTopologyError,
} from './redis-topology';
import { blockingClientOptions, requestClientOptions } from './redis.options';

const timeouts = { commandTimeoutMs: 1_500, connectTimeoutMs: 2_500 };
const request = requestClientOptions(timeouts);
const settingsOf = (vars: NodeJS.ProcessEnv) => redisSettings(configOf(vars));
const configOf = (vars: NodeJS.ProcessEnv) => ({ env: readEnv(vars) }) as GatewayConfig;
const named = { name: 'gateway', autoPipelining: true };

describe('Redis topology: the clients of each topology', () => {
  let dir: string;
  let caPath: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cloudmux-topology-spec-'));
    caPath = join(dir, 'ca.pem');
    writeFileSync(caPath, 'not really a CA, only bytes to carry');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('should build one server from REDIS_URL with the role options, auto-pipelined and named', () => {
    const plan = clientPlan(settingsOf({ REDIS_URL: 'redis://10.0.0.5:6380/2' }), request, named);
    expect(plan).toEqual({
      kind: 'single',
      options: expect.objectContaining({
        host: '10.0.0.5',
        port: 6380,
        db: 2,
        commandTimeout: 1_500,
        connectTimeout: 2_500,
        maxRetriesPerRequest: 1,
        enableOfflineQueue: true,
        connectionName: 'gateway',
        enableAutoPipelining: true,
      }),
    });
    expect((plan.options as RedisOptions).tls).toBeUndefined();
  });

  it("should batch every command but callBuffer('EVALSHA' | 'EVAL'), whose name ioredis' batching drops", () => {
    const single = clientPlan(settingsOf({ REDIS_URL: 'redis://r:6379' }), request, named);
    const cluster = clientPlan(settingsOf({ REDIS_CLUSTER_NODES: 'a:7000' }), request, named);
    for (const plan of [single, cluster])
      expect(plan.options).toMatchObject({
        enableAutoPipelining: true,
        autoPipeliningIgnoredCommands: ['EVALSHA', 'EVAL'],
      });
  });

  it("should let the URL's credentials win, and fill in REDIS_USERNAME / REDIS_PASSWORD where it has none", () => {
    const withOwn = clientPlan(
      settingsOf({ REDIS_URL: 'redis://u:own@r:6379', REDIS_PASSWORD: 'var' }),
      request,
      named,
    );
    expect(withOwn.options).toMatchObject({ username: 'u', password: 'own' });
    const without = clientPlan(
      settingsOf({ REDIS_URL: 'redis://r:6379', REDIS_USERNAME: 'gw', REDIS_PASSWORD: 'var' }),
      request,
      named,
    );
    expect(without.options).toMatchObject({ username: 'gw', password: 'var' });
  });

  it('should speak TLS for rediss:// or REDIS_TLS=1, with the CA of REDIS_TLS_CA', () => {
    const rediss = clientPlan(
      settingsOf({ REDIS_URL: 'rediss://r:6380', REDIS_TLS_CA: caPath }),
      request,
      named,
    );
    expect(String((rediss.options as RedisOptions).tls?.ca)).toBe('not really a CA, only bytes to carry');
    const flagged = clientPlan(settingsOf({ REDIS_URL: 'redis://r:6379', REDIS_TLS: '1' }), request, named);
    expect((flagged.options as RedisOptions).tls).toEqual({});
  });

  it('should fail at start-up, naming REDIS_TLS_CA, when the CA file cannot be read', () => {
    const settings = settingsOf({
      REDIS_URL: 'redis://r:6379',
      REDIS_TLS: '1',
      REDIS_TLS_CA: join(dir, 'none'),
    });
    // An environment error: main.ts stops with exit code 2 and the message, as for any bad variable.
    expect(() => clientPlan(settings, request, named)).toThrow(EnvError);
    expect(() => clientPlan(settings, request, named)).toThrow(RedisTopologyError);
    expect(() => clientPlan(settings, request, named)).toThrow(/REDIS_TLS_CA: cannot read/);
  });

  it('should build a cluster whose node connections carry the role bounds and credentials, reconnecting as a whole', () => {
    const plan = clientPlan(
      settingsOf({ REDIS_CLUSTER_NODES: 'a:7000,b:7001', REDIS_PASSWORD: 'p', REDIS_TLS: '1' }),
      request,
      named,
    );
    if (plan.kind !== 'cluster') throw new Error(`expected a cluster plan, got ${plan.kind}`);
    expect(plan.nodes).toEqual([
      { host: 'a', port: 7000 },
      { host: 'b', port: 7001 },
    ]);
    expect(plan.options.redisOptions).toEqual({
      commandTimeout: 1_500,
      connectTimeout: 2_500,
      maxRetriesPerRequest: 1,
      password: 'p',
      connectionName: 'gateway',
      tls: {},
    });
    expect(plan.options).toMatchObject({
      clusterRetryStrategy: request.retryStrategy,
      enableOfflineQueue: true,
      enableAutoPipelining: true,
    });
    // TLS with host names: connect by the name, so the certificate is checked against it.
    const resolved: string[] = [];
    plan.options.dnsLookup?.('redis-0.internal', (_error, address) => resolved.push(address));
    expect(resolved).toEqual(['redis-0.internal']);
  });

  it('should build a Sentinel client: the sentinels, the name, both passwords, TLS to both, bounded like the rest', () => {
    const plan = clientPlan(
      settingsOf({
        REDIS_SENTINELS: 's0:26379,s1:26380',
        REDIS_SENTINEL_NAME: 'cloudmux',
        REDIS_PASSWORD: 'data',
        REDIS_SENTINEL_PASSWORD: 'sentinel',
        REDIS_TLS: '1',
      }),
      blockingClientOptions(timeouts),
      named,
    );
    expect(plan.kind).toBe('sentinel');
    expect(plan.options).toMatchObject({
      sentinels: [
        { host: 's0', port: 26379 },
        { host: 's1', port: 26380 },
      ],
      name: 'cloudmux',
      password: 'data',
      sentinelPassword: 'sentinel',
      tls: {},
      sentinelTLS: {},
      enableTLSForSentinelMode: true,
      blockingTimeout: 1_500,
      sentinelCommandTimeout: 2_500,
    });
    expect(plan.options).not.toHaveProperty('failoverDetector');
    const options = plan.options as RedisOptions;
    expect(options.commandTimeout).toBeUndefined();
    const reconnect = options.reconnectOnError!;
    expect(reconnect(Object.assign(new Error("READONLY You can't write against a read only replica.")))).toBe(
      true,
    );
    expect(reconnect(new Error('WRONGTYPE Operation against a key holding the wrong kind of value'))).toBe(
      false,
    );
  });

  it('should follow env.redisUrl where code points a gateway at one server, and need some topology', () => {
    const config = { env: { ...readEnv({ REDIS_PASSWORD: undefined }), redisUrl: 'redis://own:6379' } };
    expect(redisSettings(config as GatewayConfig).topology).toEqual({
      kind: 'single',
      url: 'redis://own:6379',
    });
    expect(() => redisSettings(configOf({}))).toThrow(/REDIS_URL, REDIS_CLUSTER_NODES or REDIS_SENTINELS/);
  });
});

describe('Redis topology: BullMQ connections', () => {
  it('should hand BullMQ options for one server and Sentinel, with maxRetriesPerRequest null and no names', () => {
    const single = bullConnection(configOf({ REDIS_URL: 'redis://r:6379' })) as RedisOptions;
    expect(single).toMatchObject({
      host: 'r',
      port: 6379,
      maxRetriesPerRequest: null,
      connectTimeout: 5_000,
    });
    expect(single).not.toHaveProperty('commandTimeout');
    expect(single).not.toHaveProperty('connectionName');
    expect(single).not.toHaveProperty('enableAutoPipelining');
    const sentinel = bullConnection(
      configOf({ REDIS_SENTINELS: 's0:26379', REDIS_SENTINEL_NAME: 'cloudmux' }),
    ) as RedisOptions;
    expect(sentinel).toMatchObject({ name: 'cloudmux', maxRetriesPerRequest: null });
  });

  it('should hand BullMQ a lazily connected Cluster, and close every one it made on shutdown', async () => {
    const config = configOf({ REDIS_CLUSTER_NODES: '127.0.0.1:1,127.0.0.1:2' });
    const connections = [bullConnection(config), bullConnection(config)];
    for (const connection of connections) {
      expect(connection).toBeInstanceOf(Cluster);
      const cluster = connection as Cluster;
      expect(cluster.status).toBe('wait');
      expect(cluster.options.redisOptions).toMatchObject({ maxRetriesPerRequest: null });
    }
    await closeBullConnections(config);
    for (const connection of connections) expect((connection as Cluster).status).toBe('end');
  });
});
