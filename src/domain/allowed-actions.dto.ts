/**
 * Stable reasons an action is refused. Each is also the `reason` of the problem the request would get, so a
 * frontend can tell from a read what a click would answer.
 */
export enum RefusalReason {
  /** The connection's backend cannot do this at all (501; see the capability document). */
  UnsupportedOperation = 'unsupported_operation',
  /** A gateway task runs on the resource (409, `activeTaskId`); retry when it has ended. */
  Busy = 'busy',
  /** The resource is not in a state the action needs (409, `currentState`, `expectedStates`). */
  WrongState = 'wrong_state',
  /** An address the backend manages itself (a VPC's source-NAT address): never attached nor released (409). */
  NotReleasable = 'not_releasable',
  /** The server's boot volume: it goes with its server (409). */
  BootVolume = 'boot_volume',
}

/** Whether an action would be accepted now; a refused one answers with the same `reason` if tried. */
export class ActionVerdict {
  allowed: boolean;
  /** Why it is refused: the `reason` of the problem the request would answer with. */
  reason?: RefusalReason;
  /** Why, for people. */
  message?: string;
  /** For `busy`: the task running on the resource. */
  activeTaskId?: string;
  /** For `wrong_state`: the states in which the action would be accepted. */
  expectedStates?: string[];
}

/** What can be done to a server now. */
export class ServerActions {
  start: ActionVerdict;
  /** An orderly shutdown (`POST …/stop`). */
  stop: ActionVerdict;
  /** A hard power-off (`POST …/stop` with `{"force": true}`). */
  forceStop: ActionVerdict;
  reboot: ActionVerdict;
  rename: ActionVerdict;
  /** A new size (`POST …/resize`). */
  resize: ActionVerdict;
  /** A reinstall from an image, keeping the server's identity (`POST …/rebuild`). */
  rebuild: ActionVerdict;
  delete: ActionVerdict;
}

/** What can be done to a volume now. */
export class VolumeActions {
  attach: ActionVerdict;
  detach: ActionVerdict;
  /** Grow (`POST …/resize`). */
  resize: ActionVerdict;
  delete: ActionVerdict;
}

/** What can be done to a network now. */
export class NetworkActions {
  delete: ActionVerdict;
}

/** What can be done to an IP address now. */
export class IpActions {
  attach: ActionVerdict;
  detach: ActionVerdict;
  release: ActionVerdict;
}

/** What can be done to an SSH key now. */
export class SshKeyActions {
  delete: ActionVerdict;
}

export interface ActionsByType {
  server: ServerActions;
  volume: VolumeActions;
  network: NetworkActions;
  ip: IpActions;
  sshKey: SshKeyActions;
}
