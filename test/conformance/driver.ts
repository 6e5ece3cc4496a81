import type { LabeledType } from '../../src/domain/labels';
import type { ProviderKind, ResourceType } from '../../src/domain/states';
import type {
  IpAllocateInput,
  OperationName,
  NetworkCreateInput,
  ServerCreateInput,
  VolumeCreateInput,
} from '../../src/providers/ports/operations';
import type { SimulatorHandle } from '../../sandbox/simulators/common/simulator';

/**
 * What the port conformance suite needs of one provider kind: its simulator, and the few facts and tricks only
 * that backend knows. Everything else (which cases apply, what the answers must look like) the suite derives from
 * the connection's capabilities. A new provider kind joins the suite with a driver in `drivers/` and a line in
 * `drivers/index.ts`.
 */
export interface ConformanceDriver {
  readonly kind: ProviderKind;
  /** Starts the kind's simulator on loopback, on a free port, writing its files (if any) under `dataDir`. */
  start(options: { speed: number; dataDir: string }): Promise<DriverBackend>;
}

/** The resource types that have states (SSH keys have none). */
export type StatefulType = Exclude<ResourceType, ResourceType.SshKey>;

/** One running simulator and the hooks the shared cases call on it. */
export interface DriverBackend {
  readonly simulator: SimulatorHandle;
  /**
   * Connection settings of this kind the suite sets besides the simulator's own block (credentials, endpoint),
   * e.g. to delete for good rather than keep a recoverable copy. Validated with the kind's config schema.
   */
  readonly connectionFields?: Record<string, unknown>;
  /** Valid create inputs, from the simulator's seed (native ids of its images, plans, locations). */
  readonly inputs: CreateInputs;
  /**
   * Makes the simulator report a raw state no mapping knows for this resource (until the next reset). Answers that
   * raw state, or null when this backend has no way to show one for that type.
   */
  unknownState(type: StatefulType, nativeId: string): Promise<string | null>;
  /** Removes the resource from the backend behind the adapter's back, as another tool or a person would. */
  vanish(type: StatefulType, nativeId: string): Promise<void>;
  /** A well-formed native id of that type that names nothing on this backend. */
  absentId(type: ResourceType): string;
  /**
   * The user-data the simulator holds for a server, as the caller wrote it (the backend's encoding, e.g. base64,
   * undone), or null when it holds none. Required where the connection declares `features.userData`.
   */
  userDataOf?(serverId: string): Promise<string | null>;
  /**
   * The gateway's crash-safety markers the simulator keeps among a resource's labels, as stored there (IMCO label
   * names, CloudSigma `user:` meta keys); null, or no hook, where the backend keeps none among that type's labels
   * (a marker in the name is the name's business).
   */
  markersOf?(type: LabeledType, nativeId: string): Promise<string[] | null>;
  /**
   * The public keys (OpenSSH lines) the simulator put on a server at create or rebuild, where it records them;
   * the SSH key cases then check that `sshKeyIds` and `sshPublicKeys` reached the server.
   */
  serverKeysOf?(serverId: string): Promise<string[]>;
  /**
   * Makes room for `count` more servers where the backend takes them from a finite pool (bare-metal stock), so
   * that a case can create that many at once; no hook where creates draw on nothing finite.
   */
  roomFor?(count: number): Promise<void>;
  /**
   * Where this adapter knowingly differs from what the suite expects, with why. The case then expects the
   * deviation, so that it fails once the adapter conforms (and the entry can go).
   */
  readonly deviations?: Deviations;
}

export interface Deviations {
  /**
   * A delete plan of a resource that does not exist ends `done` (the resource is gone, as asked). Here: the error
   * code it fails with instead.
   */
  deleteOfMissing?: Partial<Record<OperationName, { code: string; why: string }>>;
  /**
   * SSH keys read `fingerprint: null`: the backend never shows a key's public key, from which the core computes
   * the fingerprint `ssh-keygen -l` prints.
   */
  sshKeyFingerprint?: { why: string };
}

/** Create inputs. A `serverId` given to a builder is the native id of a server the suite created. */
export interface CreateInputs {
  server(name: string): ServerCreateInput;
  volume?(name: string, serverId: string): VolumeCreateInput;
  network?(name: string): NetworkCreateInput;
  ip?(serverId: string): IpAllocateInput;
}
