/**
 * The only reader of process.env in the code base (docs/design.md#layout-rules). Everything else receives
 * these values through the config module.
 */
export type GatewayRole = 'api' | 'worker' | 'all';

/** One `host:port` of REDIS_CLUSTER_NODES or REDIS_SENTINELS. */
export interface RedisNode {
  host: string;
  port: number;
}

/**
 * Where the gateway's Redis is (docs/design.md#redis-topology): exactly one of REDIS_URL (one server),
 * REDIS_CLUSTER_NODES (a Redis Cluster: any of its nodes; the rest are discovered) or REDIS_SENTINELS with
 * REDIS_SENTINEL_NAME (a primary and replicas watched by Sentinel, which names the primary).
 */
export type RedisTopology =
  | { kind: 'single'; url: string }
  | { kind: 'cluster'; nodes: RedisNode[] }
  | { kind: 'sentinel'; sentinels: RedisNode[]; name: string };

export interface RedisSettings {
  topology: RedisTopology;
  /** REDIS_USERNAME / REDIS_PASSWORD: the data nodes' ACL user and password (REDIS_URL's own, when it has them, win). */
  username?: string;
  password?: string;
  /** REDIS_SENTINEL_PASSWORD: the sentinels' own `requirepass`, when they have one. */
  sentinelPassword?: string;
  /** REDIS_TLS=1: TLS to the data nodes and the sentinels (a `rediss://` REDIS_URL says so on its own). */
  tls: boolean;
  /** REDIS_TLS_CA: a PEM file of the CA that signed the Redis certificates, when the system's do not cover it. */
  tlsCaPath?: string;
}

export interface GatewayEnv {
  port: number;
  host: string;
  /** REDIS_URL as given (unset with a cluster or Sentinel topology); `redis` is the whole topology. */
  redisUrl: string | undefined;
  /** The Redis topology and its credentials; undefined when no topology variable is set (the sandbox runs its own). */
  redis: RedisSettings | undefined;
  role: GatewayRole;
  logLevel: string;
  configPath: string | undefined;
  sandboxSpeed: number;
  sandboxKey: string | undefined;
  sandboxDir: string;
  production: boolean;
  /** Where the sandbox looks for redis-server. */
  searchPath: string;
  /** Longest wait for one Redis command of the gateway's own (REDIS_COMMAND_TIMEOUT_MS): then 503 `unavailable`. */
  redisCommandTimeoutMs: number;
  /** Longest wait for a Redis connection to open (REDIS_CONNECT_TIMEOUT_MS); reconnects go on after it. */
  redisConnectTimeoutMs: number;
  /**
   * Where traces go by OTLP (`OTEL_EXPORTER_OTLP_ENDPOINT`, or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`); unset, or
   * `OTEL_SDK_DISABLED=true`: no tracing (docs/design.md#tracing). The exporter reads the other `OTEL_EXPORTER_OTLP_*`
   * variables itself.
   */
  otlpEndpoint: string | undefined;
  /** `service.name` of the traces (`OTEL_SERVICE_NAME`); default `cloudmux`. */
  otelServiceName: string;
}

const ROLES: readonly GatewayRole[] = ['api', 'worker', 'all'];

export class EnvError extends Error {}

/** A duration variable in milliseconds, within [50 ms, 10 min]; a bad value is added to `problems`. */
function milliseconds(env: NodeJS.ProcessEnv, name: string, fallback: number, problems: string[]): number {
  const value = Number(env[name] ?? fallback);
  if (Number.isInteger(value) && value >= 50 && value <= 600_000) return value;
  problems.push(`${name}: must be milliseconds in [50, 600000], got '${env[name]}'`);
  return fallback;
}

/** The OTLP trace endpoint, if tracing is on; a value that is not an http(s) URL is added to `problems`. */
function otlpEndpointOf(env: NodeJS.ProcessEnv, problems: string[]): string | undefined {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return undefined;
  const name = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT
    ? 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'
    : 'OTEL_EXPORTER_OTLP_ENDPOINT';
  const value = env[name];
  if (!value) return undefined;
  if (!URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol)) {
    problems.push(`${name}: must be an http(s) URL, got '${value}'`);
    return undefined;
  }
  return value;
}

const REDIS_URL_SCHEMES = /^(redis|rediss|unix):\/\//;

/** `host:port,host:port,…` (IPv6 as `[::1]:7000`); a port left out is `defaultPort`. */
function nodesOf(env: NodeJS.ProcessEnv, name: string, defaultPort: number, problems: string[]): RedisNode[] {
  const nodes: RedisNode[] = [];
  for (const item of (env[name] ?? '').split(',').map((part) => part.trim())) {
    const match = /^(?:\[([^\]]+)\]|([^:\s[\]]+))(?::(\d+))?$/.exec(item);
    const port = match?.[3] === undefined ? defaultPort : Number(match[3]);
    if (!match || !(port >= 1 && port <= 65535)) {
      problems.push(`${name}: must be host:port pairs separated by commas, got '${item}'`);
      continue;
    }
    nodes.push({ host: match[1] ?? match[2], port });
  }
  return nodes;
}

/** The Redis topology variables; none set: undefined (the sandbox starts a Redis of its own). */
function redisOf(env: NodeJS.ProcessEnv, problems: string[]): RedisSettings | undefined {
  const url = env.REDIS_URL || undefined;
  const clusterNodes = env.REDIS_CLUSTER_NODES?.trim() || undefined;
  const sentinels = env.REDIS_SENTINELS?.trim() || undefined;
  const sentinelName = env.REDIS_SENTINEL_NAME?.trim() || undefined;
  const chosen = [
    url && 'REDIS_URL',
    clusterNodes && 'REDIS_CLUSTER_NODES',
    sentinels && 'REDIS_SENTINELS',
  ].filter(Boolean);
  if (chosen.length > 1) {
    problems.push(`${chosen.join(', ')}: set only one of them (one Redis, a Redis Cluster, or Sentinel)`);
    return undefined;
  }
  if (sentinelName && !sentinels)
    problems.push('REDIS_SENTINEL_NAME: is set without REDIS_SENTINELS (the sentinels to ask for it)');
  if (env.REDIS_SENTINEL_PASSWORD && !sentinels)
    problems.push('REDIS_SENTINEL_PASSWORD: is set without REDIS_SENTINELS');
  const tls = env.REDIS_TLS === undefined || env.REDIS_TLS === '' ? '0' : env.REDIS_TLS.trim();
  if (!['0', '1', 'true', 'false'].includes(tls))
    problems.push(`REDIS_TLS: must be 1 or 0, got '${env.REDIS_TLS}'`);
  const tlsCaPath = env.REDIS_TLS_CA || undefined;
  const secured = tls === '1' || tls === 'true' || (url?.startsWith('rediss://') ?? false);
  if (tlsCaPath && !secured)
    problems.push('REDIS_TLS_CA: is set without TLS (set REDIS_TLS=1, or use a rediss:// URL)');

  let topology: RedisTopology | undefined;
  if (url) {
    if (!REDIS_URL_SCHEMES.test(url) || (!url.startsWith('unix://') && !URL.canParse(url)))
      problems.push(`REDIS_URL: must be a redis://, rediss:// or unix:// URL, got '${url}'`);
    else topology = { kind: 'single', url };
  } else if (clusterNodes) {
    topology = { kind: 'cluster', nodes: nodesOf(env, 'REDIS_CLUSTER_NODES', 6379, problems) };
  } else if (sentinels) {
    if (!sentinelName)
      problems.push(
        'REDIS_SENTINELS: needs REDIS_SENTINEL_NAME, the name the sentinels monitor the primary by',
      );
    topology = {
      kind: 'sentinel',
      sentinels: nodesOf(env, 'REDIS_SENTINELS', 26379, problems),
      name: sentinelName ?? '',
    };
  }
  if (!topology) {
    // Credentials or TLS for a Redis the gateway does not use would be ignored without a word: say so instead.
    const stray = ['REDIS_USERNAME', 'REDIS_PASSWORD', 'REDIS_TLS', 'REDIS_TLS_CA'].filter(
      (name) => env[name],
    );
    if (!url && stray.length)
      problems.push(
        `${stray.join(', ')}: set without REDIS_URL, REDIS_CLUSTER_NODES or REDIS_SENTINELS (the sandbox's own Redis takes none)`,
      );
    return undefined;
  }
  return {
    topology,
    ...(env.REDIS_USERNAME ? { username: env.REDIS_USERNAME } : {}),
    ...(env.REDIS_PASSWORD ? { password: env.REDIS_PASSWORD } : {}),
    ...(env.REDIS_SENTINEL_PASSWORD ? { sentinelPassword: env.REDIS_SENTINEL_PASSWORD } : {}),
    tls: tls === '1' || tls === 'true',
    ...(tlsCaPath ? { tlsCaPath } : {}),
  };
}

export function readEnv(env: NodeJS.ProcessEnv = process.env): GatewayEnv {
  const problems: string[] = [];
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    problems.push(`PORT: must be a port number, got '${env.PORT}'`);
  const role = (env.GATEWAY_ROLE ?? 'all') as GatewayRole;
  if (!ROLES.includes(role))
    problems.push(`GATEWAY_ROLE: must be one of api, worker, all; got '${env.GATEWAY_ROLE}'`);
  const sandboxSpeed = Number(env.SANDBOX_SPEED ?? 1);
  if (!(sandboxSpeed > 0) || sandboxSpeed > 1000)
    problems.push(`SANDBOX_SPEED: must be a number in (0, 1000], got '${env.SANDBOX_SPEED}'`);
  const redisCommandTimeoutMs = milliseconds(env, 'REDIS_COMMAND_TIMEOUT_MS', 5_000, problems);
  const redisConnectTimeoutMs = milliseconds(env, 'REDIS_CONNECT_TIMEOUT_MS', 5_000, problems);
  const otlpEndpoint = otlpEndpointOf(env, problems);
  const redis = redisOf(env, problems);
  if (problems.length) throw new EnvError(`Invalid environment:\n  - ${problems.join('\n  - ')}`);
  const configPath = env.GATEWAY_CONFIG || undefined;
  return {
    port,
    // The sandbox (no config) is for the person at this machine: loopback. A configured gateway serves others.
    host: env.HOST || (configPath ? '0.0.0.0' : '127.0.0.1'),
    redisUrl: env.REDIS_URL || undefined,
    redis,
    role,
    logLevel: env.LOG_LEVEL ?? 'info',
    configPath,
    sandboxSpeed,
    sandboxKey: env.GATEWAY_SANDBOX_KEY || undefined,
    sandboxDir: env.SANDBOX_DIR ?? '.sandbox',
    production: env.NODE_ENV === 'production',
    searchPath: env.PATH ?? '',
    redisCommandTimeoutMs,
    redisConnectTimeoutMs,
    otlpEndpoint,
    otelServiceName: env.OTEL_SERVICE_NAME || 'cloudmux',
  };
}

/**
 * What to do about an error of `listen()` that the environment causes, as one line naming the variable to change;
 * undefined for any other error.
 */
export function listenFailure(error: unknown, env: Pick<GatewayEnv, 'host' | 'port'>): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  const other = env.port === 65535 ? 3000 : env.port + 1;
  switch (code) {
    case 'EADDRINUSE':
      return `Port ${env.port} on ${env.host} is already in use: stop what listens there, or pick another port with PORT (e.g. \`PORT=${other} npm start\`).`;
    case 'EACCES':
      return `Not allowed to listen on port ${env.port} on ${env.host}: pick a port above 1023 with PORT (e.g. \`PORT=3000 npm start\`).`;
    case 'EADDRNOTAVAIL':
      return `HOST '${env.host}' is not an address of this machine: set HOST to one of its addresses (e.g. \`HOST=127.0.0.1\`, or \`HOST=0.0.0.0\` for every interface).`;
    default:
      return undefined;
  }
}

/** The variables `${VAR}` substitution in the config file may read. */
export function substitutionEnv(
  env: NodeJS.ProcessEnv = process.env,
): Readonly<Record<string, string | undefined>> {
  return env;
}
