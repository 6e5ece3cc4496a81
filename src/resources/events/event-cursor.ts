import { createHash } from 'node:crypto';
import { parseStreamId, type StreamPositions } from '../../tasks/task-event-merge';

/**
 * The event id an SSE client sees and sends back as `Last-Event-ID` (docs/design.md#event-cursor): where the
 * stream stood in each connection's event stream after that event, as one opaque token. One position per stream,
 * not one time: the streams of different connections live on different shards with clocks of their own, so an
 * event of a slow shard may come after a newer one of another shard and must not be skipped.
 *
 * Binary, then base64url (no padding):
 *
 *     version (1) · base ms (varint) · entries… · check (2)
 *     entry: name tag · base ms − position ms (varint) · position sequence (varint)
 *     name tag: 0x00 + the first 4 bytes of SHA-256(connection name), or n (1..40) + the name's n bytes
 *
 * The base is the newest position's time, so entries are small deltas; names travel as 4-byte digests unless two
 * followed names share one. The check is the first two bytes of SHA-256 of everything before it: a damaged token
 * is refused, not read as other positions. About 7–12 bytes per connection: 4 connections take some 60
 * characters.
 *
 * Also accepted, from before per-connection streams: a plain stream id `<ms>-<seq>`, taken as that position on
 * every stream.
 */

const VERSION = 1;
/** A position of an empty stream, or before every entry. */
export const START = '0-0';
/** Longest token accepted: about 300 connections' positions. */
export const MAX_CURSOR_LENGTH = 4_096;
/** What a cursor looks like before it is decoded (the DTO's and the header's first check). */
export const CURSOR_PATTERN = /^(?:\d{1,20}-\d{1,20}|[A-Za-z0-9_-]{6,4096})$/;

/** The largest stream id: Redis takes no exclusive start after it. */
const LAST = '18446744073709551615-18446744073709551615';

/** A position Redis takes as an exclusive start. */
const resumable = (id: string) => parseStreamId(id) !== null && id !== LAST;

const digests = new Map<string, Buffer>();
function nameDigest(name: string): Buffer {
  let digest = digests.get(name);
  if (!digest) {
    digest = createHash('sha256').update(name, 'utf8').digest().subarray(0, 4);
    if (digests.size < 10_000) digests.set(name, digest);
  }
  return digest;
}

const check = (bytes: Buffer) => createHash('sha256').update(bytes).digest().subarray(0, 2);

function pushVarint(out: number[], value: bigint): void {
  let v = value;
  do {
    const low = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v > 0n ? low | 0x80 : low);
  } while (v > 0n);
}

/** The token of a set of positions (each a valid stream id). */
export function encodeCursor(positions: ReadonlyMap<string, string>): string {
  const parsed = [...positions].map(([name, id]) => [name, parseStreamId(id) ?? [0n, 0n]] as const);
  const base = parsed.reduce((max, [, [ms]]) => (ms > max ? ms : max), 0n);
  const seen = new Map<string, number>();
  for (const [name] of parsed) {
    const key = nameDigest(name).toString('hex');
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  const out: number[] = [VERSION];
  pushVarint(out, base);
  for (const [name, [ms, seq]] of parsed) {
    const digest = nameDigest(name);
    if (seen.get(digest.toString('hex')) === 1) out.push(0, ...digest);
    else out.push(name.length, ...Buffer.from(name, 'utf8'));
    pushVarint(out, base - ms);
    pushVarint(out, seq);
  }
  const body = Buffer.from(out);
  return Buffer.concat([body, check(body)]).toString('base64url');
}

class Reader {
  private at = 0;
  constructor(private readonly bytes: Buffer) {}
  get done(): boolean {
    return this.at >= this.bytes.length;
  }
  byte(): number {
    if (this.done) throw new Error('short');
    return this.bytes[this.at++];
  }
  take(n: number): Buffer {
    if (this.at + n > this.bytes.length) throw new Error('short');
    const out = this.bytes.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }
  varint(): bigint {
    let value = 0n;
    for (let shift = 0n; shift <= 63n; shift += 7n) {
      const b = this.byte();
      value |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return value;
    }
    throw new Error('varint too long');
  }
}

/**
 * The positions a cursor names, for the streams a client follows; null when it is not a cursor (a 400).
 * A followed stream the token does not name (the key was given a connection since, or the token came from a
 * stream filtered to other connections) starts at the token's base time: its entries of that millisecond and
 * later, as a plain stream id is read on every stream.
 */
export function decodeCursor(text: string, followed: readonly string[]): StreamPositions | null {
  if (text.length > MAX_CURSOR_LENGTH || !CURSOR_PATTERN.test(text)) return null;
  if (/^\d+-\d+$/.test(text)) {
    // Leading zeros: the same position, spelt as Redis spells it.
    const plain = parseStreamId(text);
    const id = plain ? `${plain[0]}-${plain[1]}` : '';
    return plain && resumable(id) ? new Map(followed.map((name) => [name, id])) : null;
  }
  const bytes = Buffer.from(text, 'base64url');
  // Only the canonical spelling, so that one token has one text.
  if (bytes.length < 4 || bytes.toString('base64url') !== text) return null;
  const body = bytes.subarray(0, bytes.length - 2);
  if (!check(body).equals(bytes.subarray(bytes.length - 2))) return null;
  const byDigest = new Map<string, string[]>();
  for (const name of followed) {
    const key = nameDigest(name).toString('hex');
    byDigest.set(key, [...(byDigest.get(key) ?? []), name]);
  }
  const named = new Map<string, string>();
  let base: bigint;
  try {
    const reader = new Reader(body);
    if (reader.byte() !== VERSION) return null;
    base = reader.varint();
    while (!reader.done) {
      const tag = reader.byte();
      if (tag > 40) return null;
      const name =
        tag === 0
          ? (byDigest.get(reader.take(4).toString('hex')) ?? [])
          : [reader.take(tag).toString('utf8')];
      const delta = reader.varint();
      const seq = reader.varint();
      if (delta > base) return null;
      const id = `${base - delta}-${seq}`;
      if (!resumable(id)) return null;
      // A digest two followed names share names neither: both start from the base time.
      if (name.length === 1) named.set(name[0], id);
    }
  } catch {
    return null;
  }
  if (!parseStreamId(`${base}-0`)) return null;
  const fallback = base > 0n ? `${base - 1n}-18446744073709551615` : START;
  return new Map(followed.map((name) => [name, named.get(name) ?? fallback]));
}
