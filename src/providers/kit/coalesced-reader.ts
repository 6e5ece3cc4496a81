/**
 * Resolves many concurrent reads of single resources of one connection with one list call per tick: the
 * first read opens a batch, reads arriving within `windowMs` join it, and one `listAll` answers them all.
 * Backends without a cheap GET by id, or without paging (IMCO), are polled this way by the workers, so N
 * tasks in flight cost one upstream call per tick instead of N.
 */
export class CoalescedReader<T> {
  private batch: {
    waiters: Array<{ id: string; resolve: (value: T | null) => void; reject: (error: unknown) => void }>;
  } | null = null;

  constructor(
    private readonly listAll: () => Promise<T[]>,
    private readonly idOf: (item: T) => string,
    private readonly windowMs = 25,
  ) {}

  get(id: string): Promise<T | null> {
    return new Promise((resolve, reject) => {
      if (!this.batch) {
        const batch = { waiters: [] as NonNullable<typeof this.batch>['waiters'] };
        this.batch = batch;
        setTimeout(() => void this.flush(batch), this.windowMs).unref();
      }
      this.batch.waiters.push({ id, resolve, reject });
    });
  }

  private async flush(batch: NonNullable<typeof this.batch>): Promise<void> {
    if (this.batch === batch) this.batch = null;
    try {
      const byId = new Map((await this.listAll()).map((item) => [this.idOf(item), item]));
      for (const waiter of batch.waiters) waiter.resolve(byId.get(waiter.id) ?? null);
    } catch (error) {
      for (const waiter of batch.waiters) waiter.reject(error);
    }
  }
}
