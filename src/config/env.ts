/**
 * The only reader of process.env in the code base (docs/design.md#layout-rules). Everything else receives
 * these values through the config module.
 */
export type GatewayRole = 'api' | 'worker' | 'all';

export interface GatewayEnv {
  port: number;
  host: string;
  redisUrl: string | undefined;
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
  if (problems.length) throw new EnvError(`Invalid environment:\n  - ${problems.join('\n  - ')}`);
  const configPath = env.GATEWAY_CONFIG || undefined;
  return {
    port,
    // The sandbox (no config) is for the person at this machine: loopback. A configured gateway serves others.
    host: env.HOST || (configPath ? '0.0.0.0' : '127.0.0.1'),
    redisUrl: env.REDIS_URL || undefined,
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
