import type { Redis } from 'ioredis';
import { gunzipSync, inflateRawSync, inflateSync } from 'node:zlib';
import { TASK_DICTIONARY } from '../../src/tasks/task-dictionary';

export interface RedisValue {
  key: string;
  type: string;
  /** Hash field, stream entry id, list index, sorted-set member position... */
  part: string;
  text: string;
  /** Binary that no known decoding turns into text: the scan cannot see inside it. */
  opaque?: boolean;
}

/** Ways the gateway packs values: ended tasks are raw-deflated JSON with a preset dictionary (task-store). */
const DECODERS: Array<(value: Buffer) => Buffer> = [
  (value) => inflateRawSync(value, { dictionary: TASK_DICTIONARY }),
  (value) => inflateRawSync(value),
  (value) => inflateSync(value),
  (value) => gunzipSync(value),
  // Shared poll snapshots: a one-byte format tag, then raw-deflated JSON (src/providers/registry/redis-shared-polls.ts).
  (value) => inflateRawSync(value.subarray(1)),
];

const isText = (value: Buffer) => Buffer.from(value.toString('utf8'), 'utf8').equals(value);

/** The value as text, plus its decompressed forms; flagged opaque when it is binary and none applies. */
function texts(value: Buffer): Array<{ text: string; opaque?: boolean }> {
  const out: Array<{ text: string; opaque?: boolean }> = [{ text: value.toString('utf8') }];
  for (const decode of DECODERS) {
    try {
      out.push({ text: decode(value).toString('utf8') });
    } catch {
      // not packed this way
    }
  }
  if (out.length === 1 && !isText(value)) out[0].opaque = true;
  return out;
}

async function partsOf(redis: Redis, key: string, type: string): Promise<Array<[string, Buffer]>> {
  switch (type) {
    case 'string':
      return [['value', (await redis.getBuffer(key)) ?? Buffer.alloc(0)]];
    case 'hash': {
      const hash = await redis.hgetallBuffer(key);
      return Object.entries(hash).map(([field, value]) => [field, value]);
    }
    case 'list':
      return (await redis.lrangeBuffer(key, 0, -1)).map((value, i) => [`[${i}]`, value]);
    case 'set':
      return (await redis.smembersBuffer(key)).map((value, i) => [`{${i}}`, value]);
    case 'zset':
      return (await redis.zrangeBuffer(key, '0', '-1')).map((value, i) => [`<${i}>`, value]);
    case 'stream': {
      const entries = (await redis.xrangeBuffer(key, '-', '+')) as Array<[Buffer, Buffer[]]>;
      return entries.map(([id, fields]) => [
        id.toString(),
        Buffer.concat(fields.flatMap((f) => [f, Buffer.from(' ')])),
      ]);
    }
    default:
      return [['?', Buffer.from(`unsupported type ${type}`)]];
  }
}

/**
 * Every key of the database with every value in it, whatever its type: strings, hashes (task records,
 * BullMQ jobs), lists, sets, sorted sets and streams. Key names are values too (they can carry secrets).
 */
export async function dumpRedis(redis: Redis): Promise<RedisValue[]> {
  const values: RedisValue[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      const type = await redis.type(key);
      if (type === 'none') continue; // expired between SCAN and TYPE
      values.push({ key, type, part: 'key', text: key });
      for (const [part, value] of await partsOf(redis, key, type))
        for (const { text, opaque } of texts(value))
          values.push({ key, type, part, text, ...(opaque ? { opaque } : {}) });
    }
  } while (cursor !== '0');
  return values;
}
