import { CoalescedReader } from '../ports/coalesced-reader';
import type { KvObject } from './cloudsigma.codec';
import type { KvType } from './cloudsigma.wire';

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

function snapshotOf(objects: KvObject[], type: KvType): Snapshot {
  const byId = new Map<string, KvObject | Unreadable>();
  let nameless = 0;
  for (const object of objects) {
    const id = type.nativeIdOf(object);
    if (type.is(object)) byId.set(id!, object);
    else if (id) byId.set(id, new Unreadable(`not a ${type.name}: ${type.explain(object)}`));
    else nameless++;
  }
  return { byId, nameless };
}

const ALL = '*';

/**
 * The polls of one collection by every task in flight, answered by one list call per tick (a coalesced reader
 * underneath). An object that fails its checks is `Unreadable`, never missing: a wait must not take a
 * malformed object for a deleted one. For the same reason, while the answer holds objects without a usable id,
 * an id it lacks is unreadable too (it may be one of them).
 */
export class PolledReader {
  private readonly batches: CoalescedReader<Snapshot>;

  constructor(listAll: () => Promise<KvObject[]>, type: KvType, windowMs?: number) {
    this.batches = new CoalescedReader<Snapshot>(
      async () => [snapshotOf(await listAll(), type)],
      () => ALL,
      windowMs,
    );
  }

  /** The object, `Unreadable` when it cannot be read, or null when the backend no longer lists it. */
  async get(id: string): Promise<KvObject | Unreadable | null> {
    const snapshot = await this.batches.get(ALL);
    const found = snapshot?.byId.get(id);
    if (found) return found;
    if (snapshot?.nameless)
      return new Unreadable(`the answer has ${snapshot.nameless} object(s) without a usable id`);
    return null;
  }
}
