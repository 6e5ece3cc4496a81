import { Redis } from 'ioredis';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConnectionConfig } from '../config/gateway-config';
import { ProviderKind, VolumeState } from '../domain/states';
import type { NativeVolume } from '../providers/ports/native';
import type { ProviderAdapter } from '../providers/ports/provider-adapter';
import { Connection } from '../providers/registry/connection';
import { findRedisBinary, startEmbeddedRedis, type EmbeddedRedis } from '../../sandbox/embedded-redis';
import { GatewayReads } from './gateway-reads';
import { LabelStore } from './label-store.service';
import { PublicKeyStore } from './public-key-store.service';

const volume = (nativeId: string, labels: Record<string, string> = {}): NativeVolume => ({
  nativeId,
  name: nativeId,
  providerState: 'Ready',
  state: VolumeState.Available,
  sizeGb: 10,
  serverId: null,
  bootable: false,
  labels,
  extra: {},
});

const connection = (name: string, nativeLabels: ProviderAdapter['features'] = {}) => {
  const items = [volume('v1', { own: 'x' }), volume('v2', { own: 'y' })];
  const adapter: ProviderAdapter = {
    name,
    kind: ProviderKind.Imco,
    volumes: {
      list: async () => ({ items, skipped: [{ nativeId: 'v3', reason: 'malformed' }] }),
      get: async (id) => items.find((v) => v.nativeId === id) ?? null,
    },
    features: nativeLabels,
    plans: {},
    probe: async () => undefined,
  };
  return new Connection(adapter, { name, kind: 'imco' } as ConnectionConfig);
};

describe('LabelStore (docs/design.md#labels)', () => {
  let server: EmbeddedRedis;
  let redis: Redis;
  let store: LabelStore;

  beforeAll(async () => {
    const binary = findRedisBinary({
      install: false,
      searchPath: process.env.PATH ?? '',
      log: () => undefined,
    });
    server = await startEmbeddedRedis({ dir: mkdtempSync(join(tmpdir(), 'label-store-redis-')), binary });
    redis = new Redis(server.url);
    store = new LabelStore(redis);
  });

  afterAll(async () => {
    redis.disconnect();
    await server.stop();
  });

  beforeEach(() => redis.flushdb());

  it('should keep one hash per connection and type, a field per resource, and clear a field with an empty set', async () => {
    await store.set('cm-a', 'server', 's1', { env: 'prod' });
    await store.set('cm-a', 'volume', 's1', { env: 'test' });
    await store.set('cm-b', 'server', 's1', { env: 'dev' });
    expect(await redis.hgetall('gw:labels:{cm-a}:server')).toEqual({ s1: '{"env":"prod"}' });
    expect(await store.get('cm-a', 'server', 's1')).toEqual({ env: 'prod' });
    expect(await store.get('cm-a', 'volume', 's1')).toEqual({ env: 'test' });
    expect(await store.get('cm-b', 'server', 's1')).toEqual({ env: 'dev' });
    await store.set('cm-a', 'server', 's1', {});
    expect(await redis.exists('gw:labels:{cm-a}:server')).toBe(0);
    await store.drop('cm-a', 'volume', 's1');
    expect(await store.get('cm-a', 'volume', 's1')).toEqual({});
  });

  it('should read a damaged field as no labels rather than fail a read', async () => {
    await redis.hset('gw:labels:{cm-a}:server', 'a', 'not json', 'b', '[1]', 'c', '{"ok":"1","bad":2}');
    expect(await store.get('cm-a', 'server', 'a')).toEqual({});
    expect(await store.get('cm-a', 'server', 'b')).toEqual({});
    expect(await store.get('cm-a', 'server', 'c')).toEqual({ ok: '1' });
  });

  it('should put the stored labels into every read of a type the gateway keeps', async () => {
    const held = connection('im-a');
    await store.set('im-a', 'volume', 'v2', { env: 'prod' });
    const reader = new GatewayReads(store, new PublicKeyStore(redis)).reader<
      NativeVolume & { nativeId: string }
    >(held, 'volume')!;
    const listed = await reader.list();
    expect(listed.items.map((v) => [v.nativeId, v.labels])).toEqual([
      ['v1', {}],
      ['v2', { env: 'prod' }],
    ]);
    expect(listed.skipped).toEqual([{ nativeId: 'v3', reason: 'malformed' }]);
    expect((await reader.get('v2'))?.labels).toEqual({ env: 'prod' });
    expect(await reader.get('v9')).toBeNull();
  });

  it('should leave the reads of a type the backend keeps as they are', async () => {
    const native = connection('im-b', { nativeLabels: ['volume'] });
    await store.set('im-b', 'volume', 'v2', { stale: 'x' });
    const reader = new GatewayReads(store, new PublicKeyStore(redis)).reader<
      NativeVolume & { nativeId: string }
    >(native, 'volume')!;
    expect((await reader.list()).items.map((v) => v.labels)).toEqual([{ own: 'x' }, { own: 'y' }]);
    expect(LabelStore.holds(native, 'volume')).toBe(false);
    expect(LabelStore.holds(native, 'server')).toBe(true);
    expect(LabelStore.holds(native, 'sshKey')).toBe(false);
    expect(new GatewayReads(store, new PublicKeyStore(redis)).reader(native, 'server')).toBeUndefined(); // no server reader at all
  });
});
