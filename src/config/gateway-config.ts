import type {
  ApiKeyConfig,
  CacheSettings,
  ConnectionTuning,
  EventSettings,
  HistorySettings,
  ServerSettings,
  TaskSettings,
  WebhookSettings,
} from './config.schema';
import type { GatewayEnv } from './env';

/** One validated provider connection: common head and tuning plus the kind's own fields. */
export interface ConnectionConfig extends ConnectionTuning {
  name: string;
  kind: string;
  [field: string]: unknown;
}

export interface GatewayConfig {
  env: GatewayEnv;
  apiKeys: ApiKeyConfig[];
  providers: ConnectionConfig[];
  server: ServerSettings;
  tasks: TaskSettings;
  cache: CacheSettings;
  events: EventSettings;
  history: HistorySettings;
  webhooks: WebhookSettings;
  /** True when the config was built by the sandbox runtime, not read from a file. */
  sandbox: boolean;
}

export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');
