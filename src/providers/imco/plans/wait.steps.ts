import { ProviderError } from '../../../common/errors/gateway-error';
import { CoalescedReader, untilListed } from '../../kit/coalesced-reader';
import { pollDelay } from '../../kit/polling';
import type { WireType } from '../../kit/wire';
import type { OperationStep, StepContext, StepOutcome } from '../../ports/operation-plan';
import type { SharedPolls } from '../../ports/shared-polls';
import { type ImcoClient, PATHS, seg } from '../client/http.client';
import { ImcoFloatingIp, ImcoServer, ImcoVolume, ImcoVpc, usableId } from '../client/wire';
import type { ImEvent, ImFloatingIp, ImServer, ImVolume, ImVpc } from '../client/wire.types';
import { stateIs } from '../model/states';
import type { ImcoContext } from './context';

// IMCO has no task API: every wait polls the resource's `state`
// (docs/providers/imco.md#long-work-polling-states). The polls of all tasks in flight on a connection, in every
// worker process, share one list call per tick (docs/design.md#coalesced-polling).

/**
 * An item of a polled list that the gateway cannot read (it failed its wire checks). A wait step treats it as an
 * unknown state: it keeps waiting, showing why, and the task's deadline decides if it never clears up.
 */
export class Unreadable {
  constructor(readonly reason: string) {}

  /** What a waiting task shows as the backend's status. */
  get providerStatus(): string {
    const status = `unreadable: ${this.reason}`;
    return status.length > 200 ? `${status.slice(0, 199)}…` : status;
  }
}

interface Snapshot<T> {
  byId: Map<string, T | Unreadable>;
  /** Items of the answer that failed their checks and have no usable id. */
  nameless: number;
}

function snapshotOf<T extends { id: string }>(answer: readonly unknown[], type: WireType<T>): Snapshot<T> {
  const byId = new Map<string, T | Unreadable>();
  let nameless = 0;
  for (const item of answer) {
    if (type.is(item)) {
      byId.set(item.id, item);
      continue;
    }
    const id = usableId(item);
    if (id) byId.set(id, new Unreadable(`not a ${type.name}: ${type.explain(item)}`));
    else nameless++;
  }
  return { byId, nameless };
}

/**
 * The polls of one IMCO collection by every task in flight on a connection, answered by one list call per
 * tick for the whole gateway (a coalesced reader underneath: IMCO has no paging, so a list is one call). An item
 * that fails its checks is `Unreadable`, never missing: a wait must not take a malformed item for a deleted one.
 * For the same reason, while the answer holds items without a usable id, an id it lacks is unreadable too.
 */
export class PolledReader<T extends { id: string }> {
  private readonly lists: CoalescedReader<Snapshot<T>>;

  constructor(
    polls: SharedPolls,
    collection: string,
    tickMs: number,
    listAll: () => Promise<unknown[]>,
    type: WireType<T>,
  ) {
    this.lists = new CoalescedReader(polls, collection, tickMs, listAll, (items) => snapshotOf(items, type));
  }

  /**
   * The item, `Unreadable` when it cannot be read, or null when IMCO no longer lists it, as a list begun after
   * `since` shows it (the step's start: `NotListedYet` until there is one, which `untilListed` makes a wait).
   */
  async get(id: string, since: number): Promise<T | Unreadable | null> {
    const snapshot = await this.lists.read(since);
    const found = snapshot.byId.get(id);
    if (found) return found;
    if (snapshot.nameless)
      return new Unreadable(`the answer has ${snapshot.nameless} item(s) without a usable id`);
    return null;
  }
}

/** The polled collections of one connection: the wait steps of every task in flight read through them. */
export class PolledCollections {
  readonly servers: PolledReader<ImServer>;
  readonly volumes: PolledReader<ImVolume>;
  readonly floatingIps: PolledReader<ImFloatingIp>;
  readonly vpcs: PolledReader<ImVpc>;

  /** `tickMs`: the connection's poll interval; a list younger than it answers every poll. */
  constructor(client: ImcoClient, polls: SharedPolls, tickMs: number) {
    const reader = <T extends { id: string }>(collection: string, path: string, type: WireType<T>) =>
      new PolledReader<T>(
        polls,
        collection,
        tickMs,
        () => client.list<unknown>(path, `${collection}.poll`),
        type,
      );
    this.servers = reader<ImServer>('servers', PATHS.servers, ImcoServer);
    this.volumes = reader<ImVolume>('volumes', PATHS.volumes, ImcoVolume);
    this.floatingIps = reader<ImFloatingIp>('floating_ips', PATHS.floatingIps, ImcoFloatingIp);
    this.vpcs = reader<ImVpc>('vpcs', PATHS.vpcs, ImcoVpc);
  }
}

type Stateful = { id: string; state?: string | null };

/** Answer of a step that must look again later (a transitional state to sit out). */
export function later(ctx: ImcoContext, step: StepContext, providerStatus?: string | null): StepOutcome {
  return {
    status: 'wait',
    delayMs: pollDelay(step.polls, ctx.backoff),
    providerStatus: providerStatus ?? undefined,
  };
}

export interface WaitStateOptions<T extends Stateful> {
  name: string;
  reader: PolledReader<T>;
  done(value: T, step: StepContext): boolean;
  /** A failure message when the value shows the operation failed (may read more, e.g. events). */
  failed?(value: T, step: StepContext): Promise<string | null> | string | null;
  /** A missing resource: keep waiting (eventual consistency) or fail. */
  whenMissing: 'wait' | 'fail';
}

/**
 * Polls a resource through the connection's coalesced reader (one list call per tick for all tasks). An item
 * that fails its checks is an unknown state: the step keeps waiting and shows why
 * (docs/providers/imco.md#what-the-adapter-checks).
 */
export function waitState<T extends Stateful>(ctx: ImcoContext, options: WaitStateOptions<T>): OperationStep {
  return untilListed({
    name: options.name,
    async run(step): Promise<StepOutcome> {
      const value = await options.reader.get(step.nativeId!, step.stepStartedAt);
      if (value instanceof Unreadable) return later(ctx, step, value.providerStatus);
      if (!value) {
        if (options.whenMissing === 'fail')
          throw new ProviderError(`The resource disappeared from IMCO while waiting (${options.name}).`, {
            retryable: false,
          });
        return later(ctx, step, 'not-found');
      }
      const failure = await options.failed?.(value, step);
      if (failure) throw new ProviderError(failure, { retryable: false });
      if (options.done(value, step)) return { status: 'done', providerStatus: value.state ?? undefined };
      return later(ctx, step, value.state);
    },
  });
}

/**
 * Waits until a deleted resource is gone: absent from the coalesced list, then confirmed by a 404 on its own path
 * (how IMCO shows a delete finished: docs/providers/imco.md#long-work-polling-states).
 */
export function waitGone<T extends Stateful>(
  ctx: ImcoContext,
  name: string,
  reader: PolledReader<T>,
  path: string,
  failed?: (value: T) => Promise<string | null> | string | null,
): OperationStep {
  return untilListed({
    name,
    async run(step): Promise<StepOutcome> {
      const listed = await reader.get(step.nativeId!, step.stepStartedAt);
      if (listed && !(listed instanceof Unreadable)) {
        const failure = await failed?.(listed);
        if (failure) throw new ProviderError(failure, { retryable: false });
        return later(ctx, step, listed.state);
      }
      // Absent from the list, or unreadable there: only its own read tells whether it is gone (404).
      const confirmed = await ctx.client.get<{ state?: unknown }>(
        `${path}/${seg(step.nativeId!)}`,
        `${name}.confirm`,
      );
      if (!confirmed) return { status: 'done', providerStatus: 'deleted' };
      return later(
        ctx,
        step,
        listed?.providerStatus ??
          (typeof confirmed.state === 'string' ? confirmed.state : 'unreadable state'),
      );
    },
  });
}

/** The failure of a create that IMCO shows as an `error` (or `failed`) state of the new resource. */
export function failedCreate(noun: string): (item: Stateful) => string | null {
  return (item) =>
    stateIs(item, 'error', 'failed') ? `IMCO could not create the ${noun} (state ${item.state}).` : null;
}

/** The newest error event of a server, as "header: description", for failure messages. */
export async function lastServerError(ctx: ImcoContext, serverId: string): Promise<string | null> {
  const events = await ctx.client
    .list<ImEvent>(`${PATHS.servers}/${seg(serverId)}/events`, 'server_events.list')
    .catch(() => [] as ImEvent[]);
  const event = events.find((e) => e.level?.toLowerCase() === 'error');
  if (!event) return null;
  return [event.header, event.description].filter(Boolean).join(': ') || null;
}
