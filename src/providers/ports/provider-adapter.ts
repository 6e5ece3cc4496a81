import type { TObject } from '@sinclair/typebox';
import type { ConnectionConfig } from '../../config/gateway-config';
import type { LabeledType } from '../../domain/labels';
import type { ProviderKind } from '../../domain/states';
import type { UpstreamClientFactory } from '../kit/http/upstream-client';
import type { ActionRules } from './actions';
import type { Claims } from './claims';
import type { OperationName } from './operations';
import type { SharedPolls } from './shared-polls';
import type {
  CatalogPort,
  IpReader,
  NetworkReader,
  OperationPlans,
  ServerReader,
  SshKeyReader,
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
  /** The connection's SSH keys, where the backend keeps them as objects of their own. */
  readonly sshKeys?: SshKeyReader;
  readonly catalog?: CatalogPort;
  /** What the adapter takes beyond the operations themselves; absent means not supported. */
  readonly features?: AdapterFeatures;
  /** What the adapter can change, one planner per operation; the capability document lists the keys. */
  readonly plans: OperationPlans;
  /**
   * JSON Schema of the `providerOptions` each operation accepts (published in the capability document).
   * Operations without an entry accept no options. A field a client gives as a secret (a root password) is
   * marked with `SECRET_OPTION`: the gateway stores it only encrypted, while its task runs (see task-secrets.ts).
   */
  readonly optionSchemas?: Partial<Record<OperationName, TObject>>;
  /**
   * What this backend requires of a request beyond the API's schema, as a JSON Schema fragment per operation (e.g.
   * SSH keys or a root password for a bare-metal install). Published in the capability document's request schema
   * and checked before any backend call: a request that breaks it answers 400 naming the field.
   */
  readonly requestRules?: Partial<Record<OperationName, Record<string, unknown>>>;
  /** Why an operation is missing, for the capability document (e.g. "bare metal has no block volumes"). */
  readonly unsupportedReasons?: Partial<Record<OperationName, string>>;
  /** What the backend accepts on an existing resource (`allowedActions`); from `<kind>.actions.ts`. */
  readonly actions?: ActionRules;
  /** Cheap check of reachability and credentials. Throws a GatewayError when the backend is not usable. */
  probe(): Promise<void>;
  close?(): Promise<void>;
}

/**
 * Parts of a request an adapter may or may not take. A request using one it lacks answers 501 before any backend
 * call (the capability document shows each with its reason).
 */
export interface AdapterFeatures {
  /** Server create (and rebuild) take `userData`, at most `maxBytes` bytes of UTF-8 text as the caller sends it. */
  userData?: { maxBytes: number };
  /** Server create (and rebuild) take `sshKeyIds` (the connection's SSH keys). */
  sshKeyIds?: boolean;
  /** Server create (and rebuild) take `sshPublicKeys` (keys given as text). */
  sshPublicKeys?: boolean;
  /**
   * The resource types whose labels the backend keeps (set with `<type>.relabel` plans and on create, read back
   * in `labels`); the gateway keeps the labels of the others.
   */
  nativeLabels?: readonly LabeledType[];
  /** Why a feature is missing, for the capability document. */
  reasons?: Partial<Record<'userData' | 'sshKeyIds' | 'sshPublicKeys' | 'labels', string>>;
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
  /** The connection's polled lists, shared by every gateway process: one list call per tick for all wait steps. */
  polls: SharedPolls;
}

/** A provider kind: its connection config schema and the factory of its adapters. */
export interface ProviderKindDefinition {
  kind: ProviderKind;
  /** The kind's own connection fields; common tuning fields are added by the config validator. */
  configFields: TObject;
  create(config: ConnectionConfig, deps: AdapterDeps): ProviderAdapter;
}
