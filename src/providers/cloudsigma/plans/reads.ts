import { NeedsAttentionError, NotFoundError } from '../../../common/errors/gateway-error';
import { CoalescedReader } from '../../kit/coalesced-reader';
import type { SharedPolls } from '../../ports/shared-polls';
import { checked, ofType } from '../../kit/wire';
import type { KvObject } from '../client/codec';
import { CloudsigmaDrive, CloudsigmaServer, type KvType } from '../client/wire';
import { MARKER_KEY } from '../model/mapper';
import type { CloudsigmaContext } from './context';

// The reads several plan files share: paths, servers and drives as sent or checked, the polled lists of the
// waits, and the search for what a crashed create made.

const path = (kind: string, id: string, action: string) => `/${kind}/${encodeURIComponent(id)}/${action}`;
export const serverPath = (id: string, action: string) => path('servers', id, action);
export const drivePath = (id: string, action: string) => path('drives', id, action);
export const ipPath = (address: string, action: string) => path('resources/ip', address, action);
export const vlanPath = (id: string, action: string) => path('resources/vlan', id, action);

/** A server as CloudSigma sent it, or null when it does not exist (the reader's `get` checks it itself). */
export const fetchServer = (context: CloudsigmaContext, id: string) =>
  context.client.object(serverPath(id, 'info'), 'server', 'servers.get');
/** A drive as CloudSigma sent it, or null when it does not exist. */
export const fetchDrive = (context: CloudsigmaContext, id: string) =>
  context.client.object(drivePath(id, 'info'), 'drive', 'drives.get');

/** A server the steps can rely on: null when it does not exist, 502 `provider_error` when malformed. */
export async function readServer(context: CloudsigmaContext, id: string): Promise<KvObject | null> {
  const server = await fetchServer(context, id);
  return server && checked(server, CloudsigmaServer);
}

/** A drive the steps can rely on: null when it does not exist, 502 `provider_error` when malformed. */
export async function readDrive(context: CloudsigmaContext, id: string): Promise<KvObject | null> {
  const drive = await fetchDrive(context, id);
  return drive && checked(drive, CloudsigmaDrive);
}

/** Every server object as sent (the servers list checks each one). */
export const fetchServers = (context: CloudsigmaContext) =>
  context.client.objects('/servers/info', 'server', 'servers.list');
/** Every drive object as sent. */
export const fetchDrives = (context: CloudsigmaContext) =>
  context.client.objects('/drives/info', 'drive', 'drives.list');

/** The servers that pass their checks, for what reads them as context (attachments, address holders, steps). */
export const listServers = async (context: CloudsigmaContext) =>
  ofType(await fetchServers(context), CloudsigmaServer);
/** The drives that pass their checks. */
export const listDrives = async (context: CloudsigmaContext) =>
  ofType(await fetchDrives(context), CloudsigmaDrive);

export async function requireServer(context: CloudsigmaContext, id: string): Promise<KvObject> {
  const server = await readServer(context, id);
  if (!server) throw new NotFoundError(`CloudSigma has no server '${id}'.`);
  return server;
}

export const statusOf = (object: KvObject | null) => (object?.status ?? '').toLowerCase();

/**
 * After a crash: the one object carrying this task's marker (`user:gwtask`, or the marker suffix of its name
 * for backends that dropped the metadata: docs/providers/cloudsigma.md#crash-safe-creates). Several cannot be
 * told apart: a person must look.
 */
export function findMarked(objects: KvObject[], marker: string, idKey: string, what: string): string | null {
  const mine = objects.filter((o) => o[MARKER_KEY] === marker || !!o.name?.endsWith(`-${marker}`));
  if (mine.length > 1) {
    throw new NeedsAttentionError(
      `Several CloudSigma ${what} carry this task's marker; the gateway cannot tell which one it made.`,
    );
  }
  return mine[0]?.[idKey] ?? null;
}

/**
 * An object of a polled list that the gateway cannot read (it failed its wire checks). A wait step treats it as
 * an unknown state: it keeps waiting, showing why, and the task's deadline decides if it never clears up.
 */
export class Unreadable {
  constructor(readonly reason: string) {}

  /** What a waiting task shows as the backend's status. */
  get providerStatus(): string {
    const status = `unreadable: ${this.reason}`;
    return status.length > 200 ? `${status.slice(0, 199)}…` : status;
  }
}

interface Snapshot {
  byId: Map<string, KvObject | Unreadable>;
  /** Objects of the answer that failed their checks and have no usable id. */
  nameless: number;
}

function snapshotOf(objects: readonly unknown[], type: KvType): Snapshot {
  const byId = new Map<string, KvObject | Unreadable>();
  let nameless = 0;
  for (const shared of objects) {
    // Back to the codec's prototype-free shape: a list shared through Redis comes back as plain JSON objects.
    const object = shared && typeof shared === 'object' ? kvObject(shared) : shared;
    const id = type.nativeIdOf(object);
    if (type.is(object)) byId.set(id!, object);
    else if (id) byId.set(id, new Unreadable(`not a ${type.name}: ${type.explain(object)}`));
    else nameless++;
  }
  return { byId, nameless };
}

const kvObject = (shared: object): KvObject => Object.assign(Object.create(null) as KvObject, shared);

/**
 * The polls of one collection by every task in flight, answered by one list call per tick for the whole gateway
 * (a coalesced reader underneath). An object that fails its checks is `Unreadable`, never missing: a wait must
 * not take a malformed object for a deleted one. For the same reason, while the answer holds objects without a
 * usable id, an id it lacks is unreadable too (it may be one of them).
 */
export class PolledReader {
  private readonly lists: CoalescedReader<Snapshot>;

  /** `tickMs`: the connection's poll interval; a list younger than it answers every poll. */
  constructor(
    polls: SharedPolls,
    collection: string,
    tickMs: number,
    listAll: () => Promise<KvObject[]>,
    type: KvType,
  ) {
    this.lists = new CoalescedReader(polls, collection, tickMs, listAll, (objects) =>
      snapshotOf(objects, type),
    );
  }

  /**
   * The object, `Unreadable` when it cannot be read, or null when the backend no longer lists it, as a list begun
   * after `since` shows it (the step's start: `NotListedYet` until there is one, which `untilListed` makes a wait).
   */
  async get(id: string, since: number): Promise<KvObject | Unreadable | null> {
    const snapshot = await this.lists.read(since);
    const found = snapshot.byId.get(id);
    if (found) return found;
    if (snapshot.nameless)
      return new Unreadable(`the answer has ${snapshot.nameless} object(s) without a usable id`);
    return null;
  }
}
