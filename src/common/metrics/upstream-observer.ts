/** One call to a backend, as the HTTP client of the provider kit reports it to its observer. */
export interface UpstreamCallRecord {
  connection: string;
  kind: string;
  operation: string;
  method: string;
  /** `ok`, the GatewayError code, or `circuit_open`. */
  outcome: string;
  status: number | null;
  durationMs: number;
}

/** Told of every call to a backend; the metrics implement it, so it is defined on their side. */
export interface UpstreamObserver {
  onCall(record: UpstreamCallRecord): void;
}
