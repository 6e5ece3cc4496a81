import { createHash, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { GATEWAY_CONFIG, type GatewayConfig } from '../../config/gateway-config';
import { Caller, Scope } from './caller';

interface KeyEntry {
  digest: Buffer;
  caller: Caller;
}

const sha256 = (value: string) => createHash('sha256').update(value, 'utf8').digest();

const REMEMBERED_KEYS = 1_000;

/** Resolves bearer keys to callers. Keys are compared by SHA-256 digest in constant time, never logged. */
@Injectable()
export class ApiKeysService {
  private readonly entries: KeyEntry[];
  /** Keys already resolved: hashing every request's key is a measurable part of a cached read. */
  private readonly remembered = new Map<string, Caller>();

  constructor(@Inject(GATEWAY_CONFIG) config: GatewayConfig) {
    this.entries = config.apiKeys.map((key) => ({
      digest: key.keySha256 ? Buffer.from(key.keySha256, 'hex') : sha256(key.key!),
      caller: new Caller(
        key.name,
        new Set<Scope>(key.scopes),
        key.providers.includes('*') ? null : new Set(key.providers),
      ),
    }));
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
}
