import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { keys } from '../common/redis/keys';
import { REDIS } from '../common/redis/redis.tokens';
import { parsePublicKey, sshFingerprint } from '../common/ssh/public-key';
import type { SshKey } from '../domain/ssh-key.dto';

/** The backend's own fingerprint of a key (`extra.fingerprint`), compared in the forms backends print. */
function sameKey(publicKey: string, theirs: unknown): boolean {
  if (typeof theirs !== 'string' || !theirs.trim()) return true; // nothing says otherwise
  const blob = Buffer.from(parsePublicKey(publicKey)?.blob ?? '', 'base64');
  const given = theirs.trim().replace(/^MD5:/i, '').toLowerCase();
  const md5 = createHash('md5').update(blob).digest('hex').match(/../g)!.join(':');
  return given === md5 || given === md5.replace(/:/g, '') || theirs.trim() === sshFingerprint(publicKey);
}

/**
 * The public keys of the SSH keys the gateway added (docs/design.md#ssh-keys), for backends that keep a key but
 * never give its public key back (CloudMC answers a name and an MD5 fingerprint): without it no SHA256
 * fingerprint could be shown. One hash per connection; the engine writes a field when `sshKey.create` succeeds
 * and drops it when `sshKey.delete` does. A remembered key is shown only where the backend gives none and its
 * own fingerprint, if any, matches (a key deleted and made again under the same name elsewhere is not mistaken
 * for ours).
 */
@Injectable()
export class PublicKeyStore {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async remember(connection: string, nativeId: string, publicKey: string): Promise<void> {
    await this.redis.hset(keys.sshPublicKeys(connection), nativeId, publicKey);
  }

  async forget(connection: string, nativeId: string): Promise<void> {
    await this.redis.hdel(keys.sshPublicKeys(connection), nativeId);
  }

  /** Keys of one connection with the public key (and so the SHA256 fingerprint) filled in where it was missing. */
  async apply<T extends SshKey>(connection: string, items: T[]): Promise<T[]> {
    const missing = items.filter((item) => !item.publicKey);
    if (missing.length === 0) return items;
    const key = keys.sshPublicKeys(connection);
    const known =
      missing.length === 1
        ? { [missing[0].nativeId]: (await this.redis.hget(key, missing[0].nativeId)) ?? '' }
        : await this.redis.hgetall(key);
    return items.map((item) => {
      const publicKey = known[item.nativeId];
      if (item.publicKey || !publicKey || !sameKey(publicKey, item.extra?.fingerprint)) return item;
      return { ...item, publicKey, fingerprint: sshFingerprint(publicKey) };
    });
  }
}
