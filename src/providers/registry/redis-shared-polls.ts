import { createHash, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { deflateRaw, inflateRaw } from 'node:zlib';
import type { Cluster, Redis } from 'ioredis';
import { ProviderUnavailableError } from '../../common/errors/gateway-error';
import { keys } from '../../common/redis/keys';
import { KeptPolls } from '../kit/kept-polls';
import type { PolledList } from '../ports/shared-polls';

const deflate = promisify(deflateRaw);
const inflate = promisify(inflateRaw);

// The snapshot is a hash {at, body} at keys.pollSnapshot; the lease a string (its holder) at keys.pollLease. Both
// carry the connection's tag: every script below stays in one Cluster slot.

/**
 * The last list, when it is younger than the tick (with its body unless the caller holds that one already); else the
 * lease, taken for the caller; else who holds it. Answers {1, at[, body]} | {2} | {3}.
 * KEYS: snapshot, lease. ARGV: now, tickMs, owner, leaseMs, knownAt.
 */
const ACQUIRE = `
local at = tonumber(redis.call('HGET', KEYS[1], 'at') or '-1')
if at >= 0 and tonumber(ARGV[1]) - at < tonumber(ARGV[2]) then
  if at == tonumber(ARGV[5]) then return {1, at} end
  return {1, at, redis.call('HGET', KEYS[1], 'body')}
end
if redis.call('SET', KEYS[2], ARGV[3], 'NX', 'PX', ARGV[4]) then return {2} end
return {3}`;

/**
 * Stores a list unless a newer one is there already (a lease that lapsed under a slow list), then gives the lease
 * back if the caller still holds it. KEYS: snapshot, lease. ARGV: at, body, ttlMs, owner.
 */
const SHARE = `
local at = tonumber(redis.call('HGET', KEYS[1], 'at') or '-1')
if tonumber(ARGV[1]) > at then
  redis.call('HSET', KEYS[1], 'at', ARGV[1], 'body', ARGV[2])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
end
if redis.call('GET', KEYS[2]) == ARGV[4] then redis.call('DEL', KEYS[2]) end
return 1`;

/** Extends the caller's lease while its list call runs. KEYS: lease. ARGV: owner, leaseMs. */
const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;

/** Gives the lease back after a failed list call. KEYS: lease. ARGV: owner. */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1`;

interface Script {
  text: string;
  sha: string;
}
const script = (text: string): Script => ({ text, sha: createHash('sha1').update(text).digest('hex') });
const SCRIPTS = {
  acquire: script(ACQUIRE),
  share: script(SHARE),
  renew: script(RENEW),
  release: script(RELEASE),
};

/**
 * ioredis has every command's `…Buffer` twin at runtime, these two included, but its 6.0 typings leave them out.
 * (`callBuffer('EVALSHA', …)` is typed, and breaks on a Cluster with auto-pipelining: the command name is lost.)
 */
interface BufferScripting {
  evalshaBuffer(sha: string, numKeys: number, ...args: Array<string | number | Buffer>): Promise<unknown>;
  evalBuffer(script: string, numKeys: number, ...args: Array<string | number | Buffer>): Promise<unknown>;
}

/** Bodies at least this long are deflated: a list of thousands of servers shrinks to a fraction. */
const DEFLATE_FROM_BYTES = 8 * 1024;
const PLAIN = 0x6a; // 'j'
const DEFLATED = 0x7a; // 'z'

export interface RedisSharedPollsOptions {
  /** The clock of `at` and of the tick (tests drive it); epoch ms. */
  clock?: () => number;
  /** Lease of the process calling the backend, renewed every third of it while the call runs. */
  leaseMs?: number;
  /** How long a process waits for another's list before it gives up (the holder renews its lease meanwhile). */
  maxWaitMs?: number;
}

/**
 * The connection's polls shared by every gateway process through Redis (docs/design.md#coalesced-polling): a list
 * younger than the tick is served from Redis (fetched and parsed once per process per list: `KeptPolls` keeps it);
 * otherwise one process takes the lease (SET NX PX), calls the backend and shares what it listed, and the others
 * wait briefly for it. A lease holder that dies stops renewing: its lease lapses and another process lists instead.
 */
export class RedisSharedPolls extends KeptPolls {
  private readonly owner = `${process.pid}:${randomBytes(6).toString('hex')}`;
  private readonly leaseMs: number;
  private readonly maxWaitMs: number;

  constructor(
    private readonly redis: Redis | Cluster,
    private readonly connection: string,
    options: RedisSharedPollsOptions = {},
  ) {
    const clock = options.clock ?? Date.now;
    super((collection, tickMs, load, kept) => this.fetch(collection, tickMs, load, kept), clock);
    this.leaseMs = options.leaseMs ?? 10_000;
    this.maxWaitMs = options.maxWaitMs ?? 60_000;
  }

  private async fetch<T>(
    collection: string,
    tickMs: number,
    load: () => Promise<T[]>,
    kept: PolledList<T> | undefined,
  ): Promise<PolledList<T>> {
    const snapshot = keys.pollSnapshot(this.connection, collection);
    const lease = keys.pollLease(this.connection, collection);
    const giveUpAt = this.clock() + this.maxWaitMs;
    // A tenth of the tick between two looks while another process lists: small next to the tick it saves.
    const pauseMs = Math.min(100, Math.max(5, Math.round(tickMs / 10)));
    for (;;) {
      const now = this.clock();
      const answer = (await this.run(
        SCRIPTS.acquire,
        [snapshot, lease],
        [now, tickMs, this.owner, this.leaseMs, kept?.at ?? -1],
      )) as [number, number?, Buffer?];
      if (answer[0] === 1) {
        const at = Number(answer[1]);
        if (kept && kept.at === at) return kept;
        return { items: await decode<T>(answer[2]!), at };
      }
      if (answer[0] === 2) return this.listAndShare(snapshot, lease, now, tickMs, load);
      if (this.clock() >= giveUpAt) {
        // An old list is still a true account of the past: the steps judge by its time, not by its age.
        if (kept) return kept;
        throw new ProviderUnavailableError(
          `No process of the gateway could list ${collection} of '${this.connection}' in time.`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  }

  /** Calls the backend under the lease, stores the list for the other processes and answers it. */
  private async listAndShare<T>(
    snapshot: string,
    lease: string,
    at: number,
    tickMs: number,
    load: () => Promise<T[]>,
  ): Promise<PolledList<T>> {
    const renewal = setInterval(
      () => void this.run(SCRIPTS.renew, [lease], [this.owner, this.leaseMs]).catch(() => undefined),
      Math.max(10, Math.floor(this.leaseMs / 3)),
    );
    renewal.unref();
    let items: T[];
    try {
      items = await load();
    } catch (error) {
      clearInterval(renewal);
      // The next caller of any process lists in our place.
      await this.run(SCRIPTS.release, [lease], [this.owner]).catch(() => undefined);
      throw error;
    }
    clearInterval(renewal);
    // Kept for a few ticks beyond its own: long enough to be served, short enough not to linger.
    const ttlMs = Math.max(60_000, tickMs * 10);
    try {
      await this.run(SCRIPTS.share, [snapshot, lease], [at, await encode(items), ttlMs, this.owner]);
    } catch {
      // The list is good for this process's callers still; the others list for themselves once the lease lapses.
    }
    return { items, at };
  }

  private async run(
    which: Script,
    scriptKeys: string[],
    args: Array<string | number | Buffer>,
  ): Promise<unknown> {
    // Buffer replies: a list's body is binary (deflated). The script is sent whole only once per server.
    const redis = this.redis as unknown as BufferScripting;
    try {
      return await redis.evalshaBuffer(which.sha, scriptKeys.length, ...scriptKeys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return redis.evalBuffer(which.text, scriptKeys.length, ...scriptKeys, ...args);
    }
  }
}

/** Compact JSON behind a one-byte tag, deflated when large. */
async function encode(items: unknown[]): Promise<Buffer> {
  const json = Buffer.from(JSON.stringify(items), 'utf8');
  if (json.length < DEFLATE_FROM_BYTES) return Buffer.concat([Buffer.of(PLAIN), json]);
  return Buffer.concat([Buffer.of(DEFLATED), await deflate(json)]);
}

async function decode<T>(body: Buffer): Promise<T[]> {
  const payload = body.subarray(1);
  const json = body[0] === DEFLATED ? await inflate(payload) : payload;
  const items: unknown = JSON.parse(json.toString('utf8'));
  if (!Array.isArray(items)) throw new ProviderUnavailableError('A shared list in Redis is not a list.');
  return items as T[];
}
