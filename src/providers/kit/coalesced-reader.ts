import { ProviderUnavailableError } from '../../common/errors/gateway-error';
import type { OperationStep, StepOutcome } from '../ports/operation-plan';
import type { PolledList, SharedPolls } from '../ports/shared-polls';

/** The shortest pause before a step looks again for a list begun after it started. */
const MIN_RETRY_MS = 5;

/**
 * The only list to be had began before the step reading it started, so it cannot show the effect of the call the
 * step waits on: the step waits for the next tick's list ({@link untilListed} turns this into that wait). Retryable
 * with a `Retry-After` of its own, so that a step that forgot the wrapper is only retried later, never failed.
 */
export class NotListedYet extends ProviderUnavailableError {
  constructor(readonly retryInMs: number) {
    super("The connection's last list began before this step; it waits for the next one.", {
      retryAfter: Math.max(1, Math.ceil(retryInMs / 1000)),
    });
  }
}

/**
 * One polled collection of a connection (its servers, its drives...), as the wait steps of every task in flight
 * read it (docs/design.md#coalesced-polling): through the connection's shared polls, so that one list call per tick
 * answers every task of every worker process. Each process indexes a list once (`index`), however many tasks read
 * it. Backends that can list what their tasks wait for poll this way; N tasks in flight cost one upstream call per
 * tick instead of N.
 */
export class CoalescedReader<I> {
  private last: { list: PolledList<unknown>; index: I } | null = null;

  constructor(
    private readonly polls: SharedPolls,
    private readonly collection: string,
    private readonly tickMs: number,
    private readonly listAll: () => Promise<unknown[]>,
    private readonly index: (items: readonly unknown[]) => I,
    private readonly clock: () => number = Date.now,
  ) {}

  /**
   * The list as every process may share it: it is stored in Redis, so credentials a backend puts in its records
   * (CloudSigma's `vnc_password`) are dropped first; no wait reads them. Found by the secrets security suite.
   */
  private readonly listShareable = async (): Promise<unknown[]> =>
    (await this.listAll()).map((item) => withoutCredentials(item));

  /**
   * The index of a list begun after `since` (epoch ms: the reading step's start, `StepContext.stepStartedAt`). A
   * list from before could show the resource as it was before the step's own call (absent before a create, still
   * there before a delete): it throws {@link NotListedYet} instead, due to clear by the next tick.
   */
  async read(since: number): Promise<I> {
    const list = await this.polls.list(this.collection, this.tickMs, this.listShareable);
    if (list.at <= since) {
      // A little jitter: the tasks that met the same old list should not all come back in the same instant.
      const untilNext = list.at + this.tickMs - this.clock();
      throw new NotListedYet(
        Math.max(MIN_RETRY_MS, untilNext) + Math.round(Math.random() * (this.tickMs / 10)),
      );
    }
    if (this.last?.list !== list) this.last = { list, index: this.index(list.items) };
    return this.last.index;
  }
}

/** A step that reads through coalesced readers: a read that met only a list from before the step waits a tick. */
export function untilListed<S extends OperationStep>(step: S): S {
  return {
    ...step,
    async run(ctx): Promise<StepOutcome> {
      try {
        return await step.run(ctx);
      } catch (error) {
        if (error instanceof NotListedYet) return { status: 'wait', delayMs: error.retryInMs };
        throw error;
      }
    },
  };
}

/** Field names that hold credentials in backend records; never part of a shared poll snapshot. */
const CREDENTIAL_FIELD = /pass(word|wd|phrase)?$|secret|token|private_?key/i;

/** A copy of a backend record without its credential fields, at any depth (records are small JSON trees). */
export function withoutCredentials(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutCredentials);
  if (!value || typeof value !== 'object') return value;
  const out: Record<string, unknown> = Object.create(Object.getPrototypeOf(value) as object) as Record<
    string,
    unknown
  >;
  for (const [key, field] of Object.entries(value))
    if (!CREDENTIAL_FIELD.test(key)) out[key] = withoutCredentials(field);
  return out;
}
