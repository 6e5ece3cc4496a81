import { createHash, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { GATEWAY_CONFIG, type GatewayConfig } from '../../config/gateway-config';
import { Caller, Scope } from './caller';

interface KeyEntry {
  digest: Buffer;
  caller: Caller;
  /** Names this very key (its secret), not only its name: what event tokens are bound to. */
  fingerprint: string;
}

const sha256 = (value: string) => createHash('sha256').update(value, 'utf8').digest();

const REMEMBERED_KEYS = 1_000;

/** Resolves bearer keys to callers. Keys are compared by SHA-256 digest in constant time, never logged. */
const BEARER = /^Bearer\s+([\x21-\x7E]{1,512})$/i;

@Injectable()
export class ApiKeysService {
  private readonly entries: KeyEntry[];
  private readonly byName = new Map<string, KeyEntry>();
  /** Keys already resolved: hashing every request's key is a measurable part of a cached read. */
  private readonly remembered = new Map<string, Caller>();

  constructor(@Inject(GATEWAY_CONFIG) config: GatewayConfig) {
    this.entries = config.apiKeys.map((key) => {
      const digest = key.keySha256 ? Buffer.from(key.keySha256, 'hex') : sha256(key.key!);
      return {
        digest,
        // A digest of the digest, so that what Redis holds (event tokens) cannot be used as `keySha256`.
        fingerprint: createHash('sha256').update('cloudmux:event-token:').update(digest).digest('hex'),
        caller: new Caller(
          key.name,
          new Set<Scope>(key.scopes),
          key.providers.includes('*') ? null : new Set(key.providers),
        ),
      };
    });
    for (const entry of this.entries) this.byName.set(entry.caller.keyName, entry);
  }

  /** The caller of an `Authorization` header (`Bearer <key>`), or null when it names no valid key. */
  resolveHeader(header: string): Caller | null {
    const match = BEARER.exec(header);
    return match ? this.resolve(match[1]) : null;
  }

  resolve(presented: string): Caller | null {
    const known = this.remembered.get(presented);
    if (known) return known;
    const digest = sha256(presented);
    let found: Caller | null = null;
    // Check every entry so that timing does not reveal which key matched.
    for (const entry of this.entries) {
      if (timingSafeEqual(entry.digest, digest)) found = entry.caller;
    }
    // Only valid keys are remembered, so a flood of wrong keys cannot grow the map.
    if (found && this.remembered.size < REMEMBERED_KEYS) this.remembered.set(presented, found);
    return found;
  }

  /** The configured key of that name, as the config says now; null when there is none. */
  current(keyName: string): { caller: Caller; fingerprint: string } | null {
    const entry = this.byName.get(keyName);
    return entry ? { caller: entry.caller, fingerprint: entry.fingerprint } : null;
  }
}
