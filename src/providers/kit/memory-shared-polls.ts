import { KeptPolls } from './kept-polls';

/**
 * Shared polls within one process (tests and single-process tools); the gateway shares them between its processes
 * through Redis (src/providers/registry/redis-shared-polls.ts). A list younger than the tick answers every caller;
 * past it, the next caller lists again and the callers meanwhile join that one call.
 */
export class MemorySharedPolls extends KeptPolls {
  constructor(clock: () => number = Date.now) {
    super(async (_collection, _tickMs, load) => {
      const at = clock();
      return { items: await load(), at };
    }, clock);
  }
}
