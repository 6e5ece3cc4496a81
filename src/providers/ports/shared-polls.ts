/**
 * Polls of a connection shared by the whole gateway (docs/design.md#coalesced-polling): the wait steps of every task
 * in flight, in every worker process, read a collection of their connection (its servers, its volumes...) through
 * this, and one list call per tick answers them all. The gateway's implementation keeps the last list in Redis and
 * lets one process at a time call the backend (src/providers/registry/redis-shared-polls.ts); tests and
 * single-process tools use the in-process one (src/providers/kit/memory-shared-polls.ts).
 */
export interface SharedPolls {
  /**
   * The collection as it was listed less than `tickMs` ago, by any process; else as `load` lists it now, called by
   * one process of the gateway while the others wait for its answer. `load` answers JSON values (they travel through
   * Redis); the items answered are shared by every caller of the process and must not be changed.
   */
  list<T>(collection: string, tickMs: number, load: () => Promise<T[]>): Promise<PolledList<T>>;
}

/** One list of a collection, as every caller of one process sees it (the same object until the next list). */
export interface PolledList<T> {
  readonly items: readonly T[];
  /**
   * When the list call began (epoch ms, the listing process's clock): the list shows everything the backend had
   * done by then. A wait step judges the effect of the call before it only on a list begun after it started.
   */
  readonly at: number;
}
