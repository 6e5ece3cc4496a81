import { createHash, generateKeyPairSync } from 'node:crypto';
import { Redis } from 'ioredis';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sshFingerprint } from '../common/ssh/public-key';
import type { SshKey } from '../domain/ssh-key.dto';
import { ProviderKind } from '../domain/states';
import { findRedisBinary, startEmbeddedRedis, type EmbeddedRedis } from '../../sandbox/embedded-redis';
import { PublicKeyStore } from './public-key-store.service';

function newKey(): { line: string; blob: Buffer } {
  const raw = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const field = (bytes: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, bytes.length]), bytes]);
  const blob = Buffer.concat([field(Buffer.from('ssh-ed25519')), field(raw)]);
  return { line: `ssh-ed25519 ${blob.toString('base64')} me@host`, blob };
}
const md5 = (blob: Buffer) => createHash('md5').update(blob).digest('hex').match(/../g)!.join(':');

const sshKey = (
  nativeId: string,
  extra: Record<string, unknown> = {},
  publicKey: string | null = null,
): SshKey => ({
  id: `cm:${nativeId}`,
  provider: 'cm',
  providerKind: ProviderKind.Cloudmc,
  nativeId,
  name: nativeId,
  providerState: null,
  stateObservedAt: '2026-01-01T00:00:00.000Z',
  fingerprint: publicKey ? sshFingerprint(publicKey) : null,
  publicKey,
  extra,
});

describe('PublicKeyStore (docs/design.md#ssh-keys)', () => {
  let server: EmbeddedRedis;
  let redis: Redis;
  let store: PublicKeyStore;

  beforeAll(async () => {
    const binary = findRedisBinary({
      install: false,
      searchPath: process.env.PATH ?? '',
      log: () => undefined,
    });
    server = await startEmbeddedRedis({
      dir: mkdtempSync(join(tmpdir(), 'public-key-store-redis-')),
      binary,
    });
    redis = new Redis(server.url);
    store = new PublicKeyStore(redis);
  });

  afterAll(async () => {
    redis.disconnect();
    await server.stop();
  });

  it('should fill in the public key and its SHA256 fingerprint of keys it added, where the backend gives none', async () => {
    const ours = newKey();
    const theirs = newKey();
    await store.remember('cm', 'laptop', ours.line);
    await store.remember('cm', 'renamed-elsewhere', ours.line);
    const [laptop, other, given, reused] = await store.apply('cm', [
      sshKey('laptop', { fingerprint: md5(ours.blob) }),
      sshKey('unknown'),
      sshKey('given', {}, theirs.line),
      // Deleted and made again under the same name outside the gateway: the backend's fingerprint differs.
      sshKey('renamed-elsewhere', { fingerprint: md5(theirs.blob) }),
    ]);
    expect(laptop).toMatchObject({ publicKey: ours.line, fingerprint: sshFingerprint(ours.line) });
    expect(laptop.fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(other).toMatchObject({ publicKey: null, fingerprint: null });
    expect(given).toMatchObject({ publicKey: theirs.line, fingerprint: sshFingerprint(theirs.line) });
    expect(reused).toMatchObject({ publicKey: null, fingerprint: null });
  });

  it('should forget a key once deleted, and keep connections apart', async () => {
    const key = newKey();
    await store.remember('cm', 'gone', key.line);
    await store.forget('cm', 'gone');
    await store.remember('cm2', 'gone', key.line);
    expect((await store.apply('cm', [sshKey('gone')]))[0].publicKey).toBeNull();
    expect((await store.apply('cm2', [sshKey('gone')]))[0].publicKey).toBe(key.line);
  });
});
