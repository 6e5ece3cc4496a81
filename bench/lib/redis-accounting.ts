import { keys } from '../../src/common/redis/keys';
import { type RedisTarget, scanKeys } from './redis-target';

/** Bytes and keys of one key family. */
export interface FamilyBytes {
  keys: number;
  bytes: number;
}

/** Redis memory by owner (a connection, `global` for the `{_…}` tags, `untagged`) and key family. */
export type KeySpace = Map<string, Map<string, FamilyBytes>>;

/**
 * Who a key belongs to: the connection of its hash tag (docs/design.md#redis-topology: every key of one
 * connection carries `{<connection>}`, BullMQ's keys of its queue `ops-{<connection>}` too), `global` for the
 * families that belong to no connection (tags starting with `_`), `untagged` for keys used alone.
 */
export function ownerOf(key: string): string {
  const tag = /\{([^}]*)\}/.exec(key)?.[1];
  if (tag === undefined || tag === '') return 'untagged';
  return tag.startsWith('_') ? 'global' : tag;
}

/** A key's family: the tag folded away and ids (any part with a digit) replaced by `*`. */
export function familyOf(key: string): string {
  return key
    .replace(/\{[^}]*\}/, '{}')
    .split(':')
    .map((part, at) => (at > 0 && /[0-9]/.test(part) ? '*' : part))
    .slice(0, 4)
    .join(':');
}

/** MEMORY USAGE of every key of every node, by owner and family (a sum over the nodes of a cluster). */
export async function keySpace(target: RedisTarget): Promise<KeySpace> {
  const space: KeySpace = new Map();
  for (const { node, keys: found } of await scanKeys(target)) {
    for (let i = 0; i < found.length; i += 1000) {
      const batch = found.slice(i, i + 1000);
      const sizes = await Promise.all(batch.map((key) => node.memory('USAGE', key, 'SAMPLES', '0')));
      batch.forEach((key, j) => {
        const owner = ownerOf(key);
        const families = space.get(owner) ?? new Map<string, FamilyBytes>();
        const family = familyOf(key);
        const entry = families.get(family) ?? { keys: 0, bytes: 0 };
        entry.keys++;
        entry.bytes += Number(sizes[j] ?? 0);
        families.set(family, entry);
        space.set(owner, families);
      });
    }
  }
  return space;
}

/** Bytes of one owner's keys. */
export function ownerBytes(space: KeySpace, owner: string): number {
  return [...(space.get(owner)?.values() ?? [])].reduce((sum, entry) => sum + entry.bytes, 0);
}

/** What one owner's keys grew by between two key spaces, by family (largest first; unchanged ones left out). */
export function growth(after: KeySpace, before: KeySpace, owner: string): Record<string, FamilyBytes> {
  const was = before.get(owner) ?? new Map<string, FamilyBytes>();
  const rows: Array<[string, FamilyBytes]> = [];
  for (const [family, entry] of after.get(owner) ?? []) {
    const old = was.get(family) ?? { keys: 0, bytes: 0 };
    if (entry.bytes !== old.bytes || entry.keys !== old.keys)
      rows.push([family, { keys: entry.keys - old.keys, bytes: entry.bytes - old.bytes }]);
  }
  return Object.fromEntries(rows.sort((a, b) => b[1].bytes - a[1].bytes));
}

/** The connection's tasks not yet ended, from the set the sweeper walks (`keys.openTasks`). */
export async function openTasks(target: RedisTarget, connection: string): Promise<number> {
  return target.client.scard(keys.openTasks(connection));
}

/** The ids in that set. */
export async function openTaskIds(target: RedisTarget, connection: string): Promise<string[]> {
  return target.client.smembers(keys.openTasks(connection));
}

/** The history lists (one per resource): MEMORY USAGE, entries, and the bytes of the lines themselves. */
export async function historyBytes(
  target: RedisTarget,
): Promise<{ bytes: number; entries: number; lineBytes: number; lists: number }> {
  const total = { bytes: 0, entries: 0, lineBytes: 0, lists: 0 };
  for (const { node, keys: found } of await scanKeys(target, 'gw:hist:*')) {
    for (let i = 0; i < found.length; i += 500) {
      await Promise.all(
        found.slice(i, i + 500).map(async (key) => {
          const [usage, lines] = await Promise.all([
            node.memory('USAGE', key, 'SAMPLES', '0'),
            node.lrange(key, 0, -1),
          ]);
          total.bytes += Number(usage ?? 0);
          total.entries += lines.length;
          total.lineBytes += lines.reduce((sum, line) => sum + Buffer.byteLength(line), 0);
          total.lists++;
        }),
      );
    }
  }
  return total;
}
