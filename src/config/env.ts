/**
 * The only reader of process.env in the code base (DESIGN §2 layout rule). Everything else receives these
 * values through the config module.
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
}

const ROLES: readonly GatewayRole[] = ['api', 'worker', 'all'];

export class EnvError extends Error {}

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
  if (problems.length) throw new EnvError(`Invalid environment:\n  - ${problems.join('\n  - ')}`);
  return {
    port,
    host: env.HOST ?? '0.0.0.0',
    redisUrl: env.REDIS_URL || undefined,
    role,
    logLevel: env.LOG_LEVEL ?? 'info',
    configPath: env.GATEWAY_CONFIG || undefined,
    sandboxSpeed,
    sandboxKey: env.GATEWAY_SANDBOX_KEY || undefined,
    sandboxDir: env.SANDBOX_DIR ?? '.sandbox',
    production: env.NODE_ENV === 'production',
    searchPath: env.PATH ?? '',
  };
}

/** The variables `${VAR}` substitution in the config file may read. */
export function substitutionEnv(
  env: NodeJS.ProcessEnv = process.env,
): Readonly<Record<string, string | undefined>> {
  return env;
}
