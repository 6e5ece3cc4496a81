import { readFileSync } from 'node:fs';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import type { ConnectionOptions as BullConnectionOptions } from 'bullmq';
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import { EnvError, type RedisNode, type RedisSettings } from '../../config/env';
import type { GatewayConfig } from '../../config/gateway-config';
import { bullClientOptions, redisOptionsFromUrl, redisTimeouts, type RoleOptions } from './redis.options';

/**
 * Where the gateway's Redis connections go (docs/design.md#redis-topology): one server (REDIS_URL), a Redis Cluster
 * (REDIS_CLUSTER_NODES) or a primary found through Sentinel (REDIS_SENTINELS + REDIS_SENTINEL_NAME). Every client
 * of the gateway is built here from its role's options (redis.options.ts), so the three stay alike: same timeouts,
 * same reconnect policy, same credentials and TLS.
 */

/** What a client is, before it is built: the unit tests read this, `createRedisClient` builds it. */
export type ClientPlan =
  | { kind: 'single' | 'sentinel'; options: RedisOptions }
  | { kind: 'cluster'; nodes: RedisNode[]; options: ClusterOptions };

/** A topology that cannot be used as given: an environment error (the start stops with exit code 2, naming it). */
export class RedisTopologyError extends EnvError {}

/**
 * The topology of a config. `env.redisUrl` stays the word on one server: code that points a gateway at a Redis by
 * setting it (the sandbox's own Redis, test gateways) is followed, with the credentials and TLS of `env.redis`.
 */
export function redisSettings(config: GatewayConfig): RedisSettings {
  const { redis, redisUrl } = config.env;
  if (redisUrl && (!redis || redis.topology.kind === 'single'))
    return { tls: false, ...redis, topology: { kind: 'single', url: redisUrl } };
  if (!redis)
    throw new RedisTopologyError(
      'No Redis configured: set REDIS_URL, REDIS_CLUSTER_NODES or REDIS_SENTINELS',
    );
  return redis;
}

/** TLS options when TLS is on (REDIS_TLS, or a rediss:// URL), with REDIS_TLS_CA's CA if given. */
function tlsOf(settings: RedisSettings, on = settings.tls): TlsOptions | undefined {
  if (!on) return undefined;
  if (!settings.tlsCaPath) return {};
  try {
    return { ca: readFileSync(settings.tlsCaPath) };
  } catch (error) {
    throw new RedisTopologyError(
      `REDIS_TLS_CA: cannot read '${settings.tlsCaPath}': ${(error as Error).message}`,
    );
  }
}

const credentials = (settings: RedisSettings) => ({
  ...(settings.username ? { username: settings.username } : {}),
  ...(settings.password ? { password: settings.password } : {}),
});

/**
 * A replica promoted by Sentinel leaves the old primary (should it come back) a replica: a write that reaches it
 * gets READONLY. Reconnecting asks the sentinels again and finds the new primary; the command itself fails
 * (a request answers 503, BullMQ retries).
 */
const reconnectOnReadOnly = (error: Error) => error.message.startsWith('READONLY');

/**
 * Auto-pipelining, minus a bug of it: ioredis drops the command name of `callBuffer(name, ...)` when it batches the
 * call (the batch then throws a TypeError outside any promise, which ends the process). Scripts with binary replies
 * are sent as `callBuffer('EVALSHA' | 'EVAL', ...)` (src/providers/registry/redis-shared-polls.ts): those spellings go
 * unbatched; `evalsha(...)` and the rest still batch.
 */
const AUTO_PIPELINING = { enableAutoPipelining: true, autoPipeliningIgnoredCommands: ['EVALSHA', 'EVAL'] };

/** How a client shows itself to Redis (CLIENT SETNAME) and whether it batches commands of one tick. */
export interface ClientIdentity {
  name?: string;
  autoPipelining: boolean;
}

/** The client for `role` on the configured topology, without connecting: pure, so the options can be tested. */
export function clientPlan(settings: RedisSettings, role: RoleOptions, identity: ClientIdentity): ClientPlan {
  const named = identity.name ? { connectionName: identity.name } : {};
  const common = { ...role, ...named, ...(identity.autoPipelining ? AUTO_PIPELINING : {}) };
  const topology = settings.topology;
  switch (topology.kind) {
    case 'single': {
      const { tls: rediss, ...fromUrl } = redisOptionsFromUrl(topology.url);
      const tls = fromUrl.path ? undefined : tlsOf(settings, settings.tls || rediss !== undefined);
      // The URL's own credentials win over REDIS_USERNAME / REDIS_PASSWORD (the variables fill in what it lacks).
      const options: RedisOptions = {
        ...credentials(settings),
        ...fromUrl,
        ...common,
        ...(tls ? { tls } : {}),
      };
      return { kind: 'single', options };
    }
    case 'sentinel': {
      const tls = tlsOf(settings);
      return {
        kind: 'sentinel',
        options: {
          sentinels: topology.sentinels,
          name: topology.name,
          ...credentials(settings),
          ...(settings.sentinelPassword ? { sentinelPassword: settings.sentinelPassword } : {}),
          ...(tls ? { tls, sentinelTLS: tls, enableTLSForSentinelMode: true } : {}),
          // The sentinels are asked with the same bounds as the data nodes, and retried as often.
          sentinelCommandTimeout: role.connectTimeout,
          sentinelRetryStrategy: role.retryStrategy,
          // No `failoverDetector`: its subscriptions to the sentinels outlive QUIT (the process would not end).
          // A killed primary closes the connection at once; a demoted one answers READONLY (below).
          reconnectOnError: reconnectOnReadOnly,
          ...common,
        },
      };
    }
    case 'cluster': {
      const tls = tlsOf(settings);
      // A cluster reconnects as a whole (clusterRetryStrategy) and reroutes by slot; its per-node connections
      // take everything else of the role.
      const { retryStrategy, enableOfflineQueue, ...perNode } = role;
      return {
        kind: 'cluster',
        nodes: topology.nodes,
        options: {
          redisOptions: { ...perNode, ...credentials(settings), ...named, ...(tls ? { tls } : {}) },
          clusterRetryStrategy: retryStrategy,
          enableOfflineQueue: enableOfflineQueue ?? true,
          ...(identity.autoPipelining ? AUTO_PIPELINING : {}),
          slotsRefreshTimeout: role.connectTimeout,
          // With TLS the certificate names the host: connect by the name given, not by the address it resolves to.
          ...(tls ? { dnsLookup: (address, lookup) => lookup(null, address) } : {}),
        },
      };
    }
  }
}

function build(plan: ClientPlan): Redis | Cluster {
  return plan.kind === 'cluster' ? new Cluster(plan.nodes, plan.options) : new Redis(plan.options);
}

/**
 * The gateway's client for `role`. The rest of the code types every client as `Redis`: a `Cluster` answers the
 * same commands (routing each by its key's slot), which is all the gateway asks of it, so this is the one place it
 * is cast.
 */
export function createRedisClient(settings: RedisSettings, role: RoleOptions, name: string): Redis {
  return build(clientPlan(settings, role, { name, autoPipelining: true })) as Redis;
}

/** The primaries of a cluster client, or the client itself: what per-server commands (INFO, DBSIZE) must visit. */
export function serversOf(redis: Redis): Redis[] {
  return clusterOf(redis)?.nodes('master') ?? [redis];
}

/** The cluster behind a client typed `Redis`, if it is one. */
export function clusterOf(redis: Redis): Cluster | undefined {
  const client: unknown = redis;
  return client instanceof Cluster ? client : undefined;
}

/** Cluster clients handed to BullMQ as instances, per gateway config: BullMQ leaves instances open. */
const bullClusters = new WeakMap<GatewayConfig, Set<Cluster>>();

/**
 * BullMQ's connection for the configured topology (queues, workers; one per BullMQ object). One server and
 * Sentinel: options, from which BullMQ builds (and closes) its own clients. A cluster: a `Cluster` (BullMQ builds
 * none from options), lazily connected; workers duplicate it, queues use it as is and do not close it, so the
 * gateway closes it on shutdown (`closeBullConnections`).
 */
export function bullConnection(config: GatewayConfig): BullConnectionOptions {
  // Unnamed: BullMQ names its connections itself. Not auto-pipelined, as before the topologies (BullMQ batches its
  // own commands in scripts).
  const role = bullClientOptions(redisTimeouts(config.env));
  const plan = clientPlan(redisSettings(config), role, { autoPipelining: false });
  // (ioredis' and BullMQ's option types differ only in retryStrategy's `null`, which the role never is.)
  if (plan.kind !== 'cluster') return { ...plan.options, retryStrategy: role.retryStrategy };
  const cluster = new Cluster(plan.nodes, { ...plan.options, lazyConnect: true });
  const open = bullClusters.get(config) ?? new Set<Cluster>();
  bullClusters.set(config, open.add(cluster));
  return cluster;
}

/** Closes the cluster clients `bullConnection` made for this config (after BullMQ closed its queues). */
export async function closeBullConnections(config: GatewayConfig): Promise<void> {
  const open = bullClusters.get(config);
  bullClusters.delete(config);
  await Promise.all(
    [...(open ?? [])].map(async (cluster) => {
      // Never connected (a template only workers duplicated): nothing to say goodbye to.
      if (cluster.status === 'wait' || cluster.status === 'end') return cluster.disconnect();
      await cluster.quit().catch(() => cluster.disconnect());
    }),
  );
}
