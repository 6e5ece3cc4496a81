import type { Claims } from '../ports/claims';

/** One process's leases (tests and single-process tools); the gateway uses the Redis one. */
export class MemoryClaims implements Claims {
  private readonly held = new Map<string, { owner: string; until: number }>();

  claim(key: string, owner: string, ttlMs: number): Promise<boolean> {
    const now = Date.now();
    const current = this.held.get(key);
    if (current && current.until > now && current.owner !== owner) return Promise.resolve(false);
    this.held.set(key, { owner, until: now + ttlMs });
    return Promise.resolve(true);
  }

  release(key: string, owner: string): Promise<void> {
    if (this.held.get(key)?.owner === owner) this.held.delete(key);
    return Promise.resolve();
  }
}
