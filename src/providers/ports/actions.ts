import { RefusalReason } from '../../domain/allowed-actions.dto';
import type { ResourceByType } from '../../domain/resource';
import { ResourceType } from '../../domain/states';
import type { OperationInputs, OperationName } from './operations';

export { RefusalReason };

/**
 * The actions a client can take on an existing resource: the buttons of a frontend. Most are one operation;
 * `server.forceStop` is `server.stop` with `{force: true}`, told apart because some backends can cut the power
 * but cannot shut down in order (docs/adr/0003-allowed-actions.md).
 */
export const ACTIONS = {
  'server.start': { type: ResourceType.Server, key: 'start', operation: 'server.start' },
  'server.stop': { type: ResourceType.Server, key: 'stop', operation: 'server.stop' },
  'server.forceStop': { type: ResourceType.Server, key: 'forceStop', operation: 'server.stop' },
  'server.reboot': { type: ResourceType.Server, key: 'reboot', operation: 'server.reboot' },
  'server.rename': { type: ResourceType.Server, key: 'rename', operation: 'server.rename' },
  'server.resize': { type: ResourceType.Server, key: 'resize', operation: 'server.resize' },
  'server.rebuild': { type: ResourceType.Server, key: 'rebuild', operation: 'server.rebuild' },
  'server.delete': { type: ResourceType.Server, key: 'delete', operation: 'server.delete' },
  'volume.attach': { type: ResourceType.Volume, key: 'attach', operation: 'volume.attach' },
  'volume.detach': { type: ResourceType.Volume, key: 'detach', operation: 'volume.detach' },
  'volume.resize': { type: ResourceType.Volume, key: 'resize', operation: 'volume.resize' },
  'volume.delete': { type: ResourceType.Volume, key: 'delete', operation: 'volume.delete' },
  'network.delete': { type: ResourceType.Network, key: 'delete', operation: 'network.delete' },
  'ip.attach': { type: ResourceType.Ip, key: 'attach', operation: 'ip.attach' },
  'ip.detach': { type: ResourceType.Ip, key: 'detach', operation: 'ip.detach' },
  'ip.release': { type: ResourceType.Ip, key: 'release', operation: 'ip.release' },
  'sshKey.delete': { type: ResourceType.SshKey, key: 'delete', operation: 'sshKey.delete' },
} as const satisfies Record<string, { type: ResourceType; key: string; operation: OperationName }>;

export type ActionName = keyof typeof ACTIONS;
export const ACTION_NAMES = Object.keys(ACTIONS) as ActionName[];

/** Actions of one resource type, e.g. `server.start`. */
export type ActionOf<T extends ResourceType> = {
  [A in ActionName]: (typeof ACTIONS)[A]['type'] extends T ? A : never;
}[ActionName];

export const ACTIONS_OF_TYPE: Record<ResourceType, readonly ActionName[]> = {
  [ResourceType.Server]: ACTION_NAMES.filter((a) => ACTIONS[a].type === ResourceType.Server),
  [ResourceType.Volume]: ACTION_NAMES.filter((a) => ACTIONS[a].type === ResourceType.Volume),
  [ResourceType.Network]: ACTION_NAMES.filter((a) => ACTIONS[a].type === ResourceType.Network),
  [ResourceType.Ip]: ACTION_NAMES.filter((a) => ACTIONS[a].type === ResourceType.Ip),
  [ResourceType.SshKey]: ACTION_NAMES.filter((a) => ACTIONS[a].type === ResourceType.SshKey),
};

/** The action a request on an existing resource is, or null for operations that are no action (creates). */
export function actionOfRequest<O extends OperationName>(
  operation: O,
  input: OperationInputs[O],
): ActionName | null {
  if (operation === 'server.stop')
    return (input as OperationInputs['server.stop']).force ? 'server.forceStop' : 'server.stop';
  return (ACTION_NAMES as readonly string[]).includes(operation) ? (operation as ActionName) : null;
}

/** A refusal a backend's rules give for a resource in its current state. */
export interface ActionRefusal {
  reason: RefusalReason.WrongState | RefusalReason.NotReleasable | RefusalReason.BootVolume;
  message: string;
  /** For `wrong_state`: the normalized states that would accept the action. */
  expectedStates?: string[];
}

/** One rule: a refusal, or null when the backend would accept the action on this resource now. */
export type ActionRule<R> = (resource: R) => ActionRefusal | null;

/**
 * What a backend accepts, in one place per backend (`src/providers/<kind>/<kind>.actions.ts`): the actions it
 * cannot do although their operation exists, and its rules on the resource's current state. The gateway refuses
 * a request these rules refuse before any backend call, with the same reason it shows in `allowedActions`.
 */
export interface ActionRules {
  /** Actions the backend cannot do at all although the operation exists, with why (e.g. a graceful stop). */
  unsupported?: Partial<Record<ActionName, string>>;
  /** Rules on the current state; an action without a rule is accepted in any state. */
  rules?: { [A in ActionName]?: ActionRule<ResourceByType[(typeof ACTIONS)[A]['type']]> };
}

/** A rule that accepts the action only in the given normalized states (`unknown` is always given a try). */
export function inStates<R extends { state: string }>(
  states: readonly R['state'][],
  message: string,
): ActionRule<R> {
  const expected = [...states];
  return (resource) =>
    resource.state === 'unknown' || expected.includes(resource.state)
      ? null
      : { reason: RefusalReason.WrongState, message, expectedStates: expected };
}

/** A rule that refuses when the resource passes the test. */
export function refuseWhen<R>(test: (resource: R) => boolean, refusal: ActionRefusal): ActionRule<R> {
  return (resource) => (test(resource) ? refusal : null);
}

/** The first refusal of several rules, in order. */
export function allOf<R>(...rules: ActionRule<R>[]): ActionRule<R> {
  return (resource) => {
    for (const rule of rules) {
      const refusal = rule(resource);
      if (refusal) return refusal;
    }
    return null;
  };
}
