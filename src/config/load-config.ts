import { ConfigError } from './config.error';
import { readConfigFile } from './config.loader';
import { ConnectionKindSchema, validateConfig } from './config.validator';
import { GatewayEnv, substitutionEnv } from './env';
import type { GatewayConfig } from './gateway-config';

/** Reads and validates `GATEWAY_CONFIG`; every problem is reported at once, and the process must exit non-zero. */
export function loadGatewayConfig(env: GatewayEnv, kinds: ConnectionKindSchema[]): GatewayConfig {
  if (!env.configPath) throw new ConfigError(['GATEWAY_CONFIG: is not set']);
  const { document, baseDir } = readConfigFile(env.configPath);
  const config = validateConfig(document, { env, kinds, baseDir, variables: substitutionEnv() });
  if (!env.redis)
    throw new ConfigError([
      'REDIS_URL, REDIS_CLUSTER_NODES or REDIS_SENTINELS: one is required when GATEWAY_CONFIG is set (only the sandbox starts its own Redis)',
    ]);
  return config;
}
