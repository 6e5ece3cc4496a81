import type { Cluster, Redis } from 'ioredis';

/**
 * Blocking stream reads on any topology (docs/design.md#task-events-and-sse). One XREAD or XREADGROUP may name
 * several streams, but on a Redis Cluster only streams of one hash slot, and a blocked read holds its socket: so
 * the streams are read in groups that one command may name together, each group on a client of its own.
 */

/** The hash tag of a key as Redis Cluster reads it (the text between the first `{` and the next `}`), or the key. */
export function hashTag(key: string): string {
  const open = key.indexOf('{');
  if (open < 0) return key;
  const close = key.indexOf('}', open + 1);
  return close > open + 1 ? key.slice(open + 1, close) : key;
}

/**
 * The keys in groups one command may name together, in their given order: every key in one group on one server
 * (or Sentinel's primary), one group per hash tag on a cluster (a connection's streams share its tag).
 */
export function slotGroups(client: Redis, keys: readonly string[]): string[][] {
  if (!client.isCluster) return keys.length ? [[...keys]] : [];
  const groups = new Map<string, string[]>();
  for (const key of keys) {
    const tag = hashTag(key);
    groups.set(tag, [...(groups.get(tag) ?? []), key]);
  }
  return [...groups.values()];
}

/**
 * A client of the same topology with a socket of its own, for one blocking read. The gateway types its clients as
 * `Redis`; a Cluster's `duplicate` takes other arguments (startup nodes first), hence the one cast here.
 */
export function blockingCopy(client: Redis, name: string): Redis {
  if (!client.isCluster) return client.duplicate({ connectionName: name });
  const cluster = client as unknown as Cluster;
  return cluster.duplicate([], {
    redisOptions: { ...cluster.options.redisOptions, connectionName: name },
  }) as unknown as Redis;
}
