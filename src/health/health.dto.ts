export class LiveStatus {
  status: string;
}

export class ProviderReachability {
  name: string;
  /** `reachable`, `unreachable` or `unknown`; never makes the gateway unready. */
  status: string;
  lastCheckedAt: string | null;
}

export class ReadyStatus {
  /** `ok` or `error`. */
  status: string;
  info?: Record<string, unknown>;
  error?: Record<string, unknown>;
  details: Record<string, unknown>;
  /** Reachability of the connections the API key may see; empty without a key (connections are never named to anonymous callers). */
  providers: ProviderReachability[];
}
