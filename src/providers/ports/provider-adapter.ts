import type { TObject } from '@sinclair/typebox';
import type { ConnectionConfig } from '../../config/gateway-config';
import type { ProviderKind } from '../../domain/states';
import type { UpstreamClientFactory } from '../kit/http/upstream-client';
import type { ActionRules } from './actions';
import type { Claims } from './claims';
import type { OperationName } from './operations';
import type {
  CatalogPort,
  IpReader,
  NetworkReader,
  OperationPlans,
  ServerReader,
  VolumeReader,
} from './ports';

/**
 * Marks a `providerOptions` field as a secret (spread into its schema's options): shown as a write-only password
 * in the capability document and OpenAPI sense, encrypted at rest while its task runs, refused without a key.
 */
export const SECRET_OPTION = { writeOnly: true, format: 'password' } as const;

/**
 * One configured backend connection. The only seam between the gateway core and a provider: everything
 * that knows the provider's wire format sits behind it, in `src/providers/<kind>/`. It speaks native: records
 * with the backend's ids, which the core normalizes (src/providers/registry/connection.ts).
 */
export interface ProviderAdapter {
  readonly name: string;
  readonly kind: ProviderKind;
  readonly servers?: ServerReader;
  readonly volumes?: VolumeReader;
  readonly networks?: NetworkReader;
  readonly ips?: IpReader;
  readonly catalog?: CatalogPort;
  /** What the adapter can change, one planner per operation; the capability document lists the keys. */
  readonly plans: OperationPlans;
  /**
   * JSON Schema of the `providerOptions` each operation accepts (published in the capability document).
   * Operations without an entry accept no options. A field a client gives as a secret (a root password) is
   * marked with `SECRET_OPTION`: the gateway stores it only encrypted, while its task runs (see task-secrets.ts).
   */
  readonly optionSchemas?: Partial<Record<OperationName, TObject>>;
  /** Why an operation is missing, for the capability document (e.g. "bare metal has no block volumes"). */
  readonly unsupportedReasons?: Partial<Record<OperationName, string>>;
  /** What the backend accepts on an existing resource (`allowedActions`); from `<kind>.actions.ts`. */
  readonly actions?: ActionRules;
  /** Cheap check of reachability and credentials. Throws a GatewayError when the backend is not usable. */
  probe(): Promise<void>;
  close?(): Promise<void>;
}

export interface AdapterLogger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
}

/** What the registry gives an adapter when it builds one. */
export interface AdapterDeps {
  http: UpstreamClientFactory;
  logger: AdapterLogger;
  /** Called when a raw state has no mapping (it is shown as `unknown`); counted in metrics. */
  onUnknownState(resource: string, rawState: string): void;
  /** Leases shared by every gateway process, for creates that pick from a shared pool. */
  claims: Claims;
}

/** A provider kind: its connection config schema and the factory of its adapters. */
export interface ProviderKindDefinition {
  kind: ProviderKind;
  /** The kind's own connection fields; common tuning fields are added by the config validator. */
  configFields: TObject;
  create(config: ConnectionConfig, deps: AdapterDeps): ProviderAdapter;
}
