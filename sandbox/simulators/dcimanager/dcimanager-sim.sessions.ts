import { randomBytes, randomUUID } from 'node:crypto';

interface Session {
  id: number;
  userId: number;
  lastUsed: number;
}

interface LoginKey {
  userId: number;
  expires: number;
}

/**
 * Auth v4 sessions: a token per login, ended after `lifetimeMs` without requests (the idle rule of
 * docs/providers/dcimanager.md#session-lifetime), and one-time login keys valid for an hour of simulated time.
 */
export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  private readonly keys = new Map<string, LoginKey>();
  private sequence = 0;

  constructor(
    private readonly lifetimeMs: () => number,
    private readonly keyLifetimeMs: () => number,
  ) {}

  create(userId: number): { id: number; token: string } {
    const token = randomBytes(24).toString('hex');
    const session = { id: ++this.sequence, userId, lastUsed: Date.now() };
    this.sessions.set(token, session);
    return { id: session.id, token };
  }

  /** The user of a live session, refreshing its idle timer; null when unknown or expired. */
  touch(token: string): number | null {
    const session = this.sessions.get(token);
    if (!session) return null;
    if (Date.now() - session.lastUsed > this.lifetimeMs()) {
      this.sessions.delete(token);
      return null;
    }
    session.lastUsed = Date.now();
    return session.userId;
  }

  mintKey(userId: number): string {
    const key = `${userId}-${randomUUID()}`;
    this.keys.set(key, { userId, expires: Date.now() + this.keyLifetimeMs() });
    return key;
  }

  /** Trades a key for its user; a key works once. */
  redeemKey(key: string): number | null {
    const found = this.keys.get(key);
    this.keys.delete(key);
    return found && found.expires >= Date.now() ? found.userId : null;
  }

  expireAll(): void {
    this.sessions.clear();
  }

  clear(): void {
    this.sessions.clear();
    this.keys.clear();
  }

  live(): number {
    const cutoff = Date.now() - this.lifetimeMs();
    return [...this.sessions.values()].filter((s) => s.lastUsed >= cutoff).length;
  }
}

/**
 * Idle platform services answer 503 until they wake (docs/providers/dcimanager.md#waking-services): a sleeping
 * service starts waking at the first request and answers 503 for `wakeMs` (real ms); `idleMs` > 0 puts a service
 * to sleep after that long without requests.
 */
export class ServiceSleep {
  private readonly asleep = new Map<string, number | null>();
  private readonly lastSeen = new Map<string, number>();

  constructor(
    private readonly wakeMs: () => number,
    private readonly idleMs: () => number,
  ) {}

  sleep(services: string[]): void {
    for (const service of services) this.asleep.set(service, null);
  }

  /** True when the request must be answered 503. */
  waking(service: string): boolean {
    const now = Date.now();
    const idle = this.idleMs();
    const seen = this.lastSeen.get(service);
    if (idle > 0 && seen !== undefined && now - seen > idle && !this.asleep.has(service))
      this.asleep.set(service, null);
    this.lastSeen.set(service, now);
    if (!this.asleep.has(service)) return false;
    const wakesAt = this.asleep.get(service) ?? now + this.wakeMs();
    this.asleep.set(service, wakesAt);
    if (now < wakesAt) return true;
    this.asleep.delete(service);
    return false;
  }

  clear(): void {
    this.asleep.clear();
    this.lastSeen.clear();
  }

  sleeping(): string[] {
    return [...this.asleep.keys()];
  }
}
