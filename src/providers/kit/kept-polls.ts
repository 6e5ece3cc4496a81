import type { PolledList, SharedPolls } from '../ports/shared-polls';

/**
 * Where a process gets a list it does not keep fresh itself: the backend (one process), or the list another process
 * shared (Redis). `kept` is the list the process holds, older than the tick, if any.
 */
export type ListSource = <T>(
  collection: string,
  tickMs: number,
  load: () => Promise<T[]>,
  kept: PolledList<T> | undefined,
) => Promise<PolledList<T>>;

interface Kept {
  list?: PolledList<unknown>;
  pending?: Promise<PolledList<unknown>>;
}

/**
 * The in-process half of shared polls (docs/design.md#coalesced-polling): each process keeps the last list of each
 * collection and answers from it while it is younger than the tick; past that, the callers of the process share one
 * fetch from the source (single-flight), so many tasks in one process cost one read, however many wait.
 */
export class KeptPolls implements SharedPolls {
  private readonly kept = new Map<string, Kept>();

  constructor(
    private readonly source: ListSource,
    protected readonly clock: () => number = Date.now,
  ) {}

  list<T>(collection: string, tickMs: number, load: () => Promise<T[]>): Promise<PolledList<T>> {
    let entry = this.kept.get(collection);
    if (!entry) this.kept.set(collection, (entry = {}));
    const { list } = entry;
    if (list && this.clock() - list.at < tickMs) return Promise.resolve(list as PolledList<T>);
    const kept = entry;
    kept.pending ??= this.source(collection, tickMs, load, list as PolledList<T> | undefined)
      .then((fetched) => {
        // Never back in time: a list fetched while a newer one arrived (a lapsed lease) is not kept.
        if (!kept.list || fetched.at >= kept.list.at) kept.list = fetched;
        return kept.list;
      })
      .finally(() => {
        kept.pending = undefined;
      });
    return kept.pending as Promise<PolledList<T>>;
  }
}
