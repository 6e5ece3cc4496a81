import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { MetricsService } from '../../common/metrics/metrics.service';
import { keys } from '../../common/redis/keys';
import type { BudgetEvent, BudgetTakeOptions, RequestBudget } from '../ports/request-budget';
import { budgetShape, realClock, takeWithin, type BudgetClock } from '../kit/budget-gcra';
import { MemoryRequestBudget } from '../kit/memory-request-budget';

/** Both scripts take the time from Redis (`TIME`, one clock for every process) unless a test passes its own. */
const NOW = `
local now = tonumber(ARGV[1])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
end`;

/**
 * GCRA (src/providers/kit/budget-gcra.ts, the same arithmetic) over the connection's two keys, which share its
 * slot: a lease of up to ARGV[4] tokens, or how long to wait. KEYS: budget (tat, ms), pause (until, ms). ARGV: now
 * ('' for Redis TIME), interval (ms), burst, wanted. Answers {granted, waitMs, paused}.
 */
const TAKE = `${NOW}
local paused = tonumber(redis.call('GET', KEYS[2]) or '')
if paused and paused > now then return {0, math.ceil(paused - now), 1} end
local interval, burst, want = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local from = math.max(tonumber(redis.call('GET', KEYS[1]) or '') or now, now)
local room = math.floor((now + burst * interval - from) / interval + 1e-9)
if room < 1 then return {0, math.max(1, math.ceil(from + interval - burst * interval - now)), 0} end
local granted = math.min(want, room)
local tat = from + granted * interval
redis.call('SET', KEYS[1], string.format('%.3f', tat), 'PX', math.ceil(tat - now) + 1000)
return {granted, 0, 0}`;

/**
 * Holds the connection until now + ARGV[2] ms (a longer pause already set wins), and restarts it at the steady rate
 * afterwards, without a burst. ARGV: now, ms, interval, burst.
 */
const PAUSE = `${NOW}
local ms, interval, burst = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local untilAt = now + ms
local paused = tonumber(redis.call('GET', KEYS[2]) or '')
if not paused or untilAt > paused then
  redis.call('SET', KEYS[2], string.format('%.3f', untilAt), 'PX', math.ceil(ms))
end
local restart = untilAt + (burst - 1) * interval
local tat = tonumber(redis.call('GET', KEYS[1]) or '')
if not tat or restart > tat then
  redis.call('SET', KEYS[1], string.format('%.3f', restart), 'PX', math.ceil(restart - now) + 1000)
end
return 1`;

const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');
const SCRIPTS = { take: { text: TAKE, sha: sha1(TAKE) }, pause: { text: PAUSE, sha: sha1(PAUSE) } };

export interface RedisRequestBudgetOptions {
  connection: string;
  requestsPerSecond: number;
  /**
   * How long tokens leased from Redis stay this process's to spend (default 50 ms); also the burst window, so a
   * lease holds at most about this much traffic at the full rate.
   */
  leaseMs?: number;
  /** Longest wait for Redis before a take uses this process's own share (default 500 ms). */
  redisWaitMs?: number;
  /** How long this process uses its own share after Redis failed, before asking Redis again (default 1 s). */
  fallbackMs?: number;
  /** Synthetic time (tests): passed to the scripts instead of Redis TIME, and used for the leases. */
  clock?: BudgetClock;
  onEvent?(event: BudgetEvent): void;
}

/**
 * A connection's request budget in Redis, shared by every api and worker process (docs/design.md#poll-budget).
 * A process leases small batches of tokens (one Redis round trip per batch, not per call) and spends them locally
 * within `leaseMs`; the batch grows while the process spends whole leases and shrinks to what it spent when a
 * lease expires, so an idle process wastes little. Bound, over any window of W ms: at most
 * `requestsPerSecond × (W + leaseMs) / 1000 + burst` calls from the whole gateway, burst = `requestsPerSecond ×
 * leaseMs / 1000` (at least 1), plus one call per process per grant Redis answered later than `leaseMs`. While
 * Redis cannot be reached, each process keeps to the whole rate by itself (MemoryRequestBudget): calls go on.
 */
export class RedisRequestBudget implements RequestBudget {
  private readonly intervalMs: number;
  private readonly burst: number;
  private readonly leaseMs: number;
  private readonly clock: BudgetClock;
  private readonly fallback: MemoryRequestBudget;
  /** Tokens of the current lease not spent yet, usable until `leaseUntil`. */
  private tokens = 0;
  private leaseUntil = Number.NEGATIVE_INFINITY;
  private leased = 0;
  private spent = 0;
  /** Tokens the next lease asks for, between 1 and the burst. */
  private leaseSize = 1;
  /** No take before this (a pause, or the next free slot Redis named): takes wait without asking Redis. */
  private notBefore = Number.NEGATIVE_INFINITY;
  private fallbackUntil = Number.NEGATIVE_INFINITY;
  /** The lease being asked for: the process's takers share one round trip. */
  private refilling: Promise<number> | undefined;

  constructor(
    private readonly redis: Pick<Redis, 'eval' | 'evalsha'>,
    private readonly options: RedisRequestBudgetOptions,
  ) {
    this.leaseMs = options.leaseMs ?? 50;
    ({ intervalMs: this.intervalMs, burst: this.burst } = budgetShape(
      options.requestsPerSecond,
      this.leaseMs,
    ));
    this.clock = options.clock ?? realClock;
    this.fallback = new MemoryRequestBudget({
      requestsPerSecond: options.requestsPerSecond,
      burstWindowMs: this.leaseMs,
      clock: this.clock,
    });
  }

  take(options?: BudgetTakeOptions): Promise<void> {
    return takeWithin(
      () => this.tryTake(),
      this.clock,
      options,
      () => this.options.onEvent?.('wait'),
    );
  }

  /** Takes a slot now if there is one: 0, or the ms until the next (exposed for tests that drive time). */
  async tryTake(): Promise<number> {
    for (;;) {
      const now = this.clock.now();
      if (this.notBefore > now) return this.notBefore - now;
      if (this.fallbackUntil > now) return this.fallback.tryTake();
      if (this.tokens > 0 && now < this.leaseUntil) {
        this.tokens--;
        this.spent++;
        return 0;
      }
      if (this.refilling) {
        // Another taker of this process is asking Redis: its answer serves this one too.
        await this.refilling.catch(() => undefined);
        continue;
      }
      const refill = (this.refilling = this.refill().finally(() => (this.refilling = undefined)));
      return refill;
    }
  }

  async pause(ms: number): Promise<void> {
    if (!(ms > 0)) return;
    this.options.onEvent?.('pause');
    // This process stops at once, its leased tokens with it; the others learn it at their next lease.
    this.notBefore = Math.max(this.notBefore, this.clock.now() + ms);
    this.tokens = 0;
    this.leased = 0;
    await this.fallback.pause(ms);
    try {
      await this.run(
        SCRIPTS.pause,
        this.nowArg(),
        String(Math.ceil(ms)),
        String(this.intervalMs),
        String(this.burst),
      );
    } catch {
      // Redis unreachable: this process holds the pause by itself; the others find out from the backend.
    }
  }

  /** Asks Redis for a lease; 0 when the asker got its token (the lease's first), otherwise the ms to wait. */
  private async refill(): Promise<number> {
    const askedAt = this.clock.now();
    if (this.leased > 0)
      this.leaseSize = this.tokens > 0 ? Math.max(1, this.spent) : Math.min(this.burst, this.leaseSize * 2);
    this.tokens = 0;
    let answer: [number, number, number];
    try {
      answer = (await this.run(
        SCRIPTS.take,
        this.nowArg(),
        String(this.intervalMs),
        String(this.burst),
        String(this.leaseSize),
      )) as [number, number, number];
    } catch {
      if (this.fallbackUntil < askedAt) this.options.onEvent?.('fallback');
      this.fallbackUntil = this.clock.now() + (this.options.fallbackMs ?? 1_000);
      return this.fallback.tryTake();
    }
    const [granted, waitMs] = answer.map(Number);
    if (granted < 1) {
      this.notBefore = Math.max(this.notBefore, this.clock.now() + waitMs);
      this.leased = 0;
      return waitMs;
    }
    // Usable until `leaseMs` after the ask (Redis granted them after it); the asker's own token goes out now.
    this.leased = granted;
    this.spent = 1;
    this.tokens = granted - 1;
    this.leaseUntil = askedAt + this.leaseMs;
    return 0;
  }

  private nowArg(): string {
    return this.options.clock ? String(this.clock.now()) : '';
  }

  /** A script by its digest (the text only after NOSCRIPT), given up after `redisWaitMs`. */
  private run(script: { text: string; sha: string }, ...args: string[]): Promise<unknown> {
    const budgetKeys = [keys.budget(this.options.connection), keys.budgetPause(this.options.connection)];
    const call = this.redis.evalsha(script.sha, 2, ...budgetKeys, ...args).catch((error: unknown) => {
      if (!String((error as Error)?.message).startsWith('NOSCRIPT')) throw error;
      return this.redis.eval(script.text, 2, ...budgetKeys, ...args);
    });
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error('Redis did not answer in time')),
        this.options.redisWaitMs ?? 500,
      );
      timer.unref();
    });
    return Promise.race([call, late]).finally(() => clearTimeout(timer));
  }
}

/** The budget of one configured connection, counted in the metrics; none when its `requestsPerSecond` is 0. */
export function requestBudgetFor(
  redis: Pick<Redis, 'eval' | 'evalsha'>,
  connection: { name: string; requestsPerSecond: number },
  metrics: Pick<MetricsService, 'upstreamBudget'>,
): RequestBudget | undefined {
  if (!(connection.requestsPerSecond > 0)) return undefined;
  return new RedisRequestBudget(redis, {
    connection: connection.name,
    requestsPerSecond: connection.requestsPerSecond,
    onEvent: (event) => metrics.upstreamBudget.inc({ provider: connection.name, event }),
  });
}
