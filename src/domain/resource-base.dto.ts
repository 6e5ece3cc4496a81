import { ProviderKind } from './states';

/** Fields every normalized resource carries. */
export abstract class ResourceBase {
  /** Gateway id: `<connection>:<nativeId>`, usable as a URL path segment as is. */
  id: string;
  /** Name of the provider connection that owns the resource. */
  provider: string;
  /** Backend type of that connection. */
  providerKind: ProviderKind;
  /** The backend's own id of the resource. */
  nativeId: string;
  /** Name as the caller gave it (gateway markers are never shown here). */
  name: string;
  /** The raw backend state value, kept as the backend reported it. */
  providerState: string | null;
  /** When the state was read from the backend (ISO 8601). */
  stateObservedAt: string;
  /** Unmapped backend fields worth keeping; never secrets. */
  extra: Record<string, unknown>;
  /** Id of the gateway task currently running on this resource, if any. */
  activeTaskId?: string;
}

/** A resource callers can label (servers, volumes, networks, IP addresses). */
export abstract class LabeledResource extends ResourceBase {
  /**
   * The caller's labels (docs/design.md#labels): kept by the backend where it has a mechanism, else by the
   * gateway (the capability document says which). Never the gateway's own markers.
   */
  labels: Record<string, string>;
}
