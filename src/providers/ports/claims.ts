/**
 * Short exclusive leases on backend things shared by every gateway process, so that two creates running in
 * different workers never pick the same free thing (a DCImanager stock server). The owner is the task id, so
 * a resumed task keeps its own lease. Leases expire by themselves: a crashed worker never blocks for long.
 */
export interface Claims {
  /** True when `owner` holds `key` now (taken, or already its own); false when another owner holds it. */
  claim(key: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Gives `key` back, only if `owner` holds it. */
  release(key: string, owner: string): Promise<void>;
}
