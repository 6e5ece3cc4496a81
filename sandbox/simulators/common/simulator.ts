import type { ProviderKind } from '../../../src/domain/states';

export interface SimulatorOptions {
  host?: string;
  /** 0 or absent: a free port. */
  port?: number;
  /** Divides every simulated duration (1: seconds, as a person watching expects). */
  speed: number;
  /** Where the simulator may write files (certificates, for IMCO). */
  dataDir: string;
  /** A fixed credential (API key, password) instead of a random one, for configs written in advance. */
  secret?: string;
}

/** A running simulator. */
export interface SimulatorHandle {
  kind: ProviderKind;
  /** Root URL of the server (`scheme://host:port`), where `/__sim/` lives; the API base is in `connection.endpoint`. */
  url: string;
  /** The provider connection block for a gateway config, without `name` (printed as `SIMULATOR READY <json>`). */
  connection: Record<string, unknown>;
  stop(): Promise<void>;
}

export interface SimulatorDefinition {
  kind: ProviderKind;
  start(options: SimulatorOptions): Promise<SimulatorHandle>;
}
