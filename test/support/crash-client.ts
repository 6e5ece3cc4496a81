import type { Task } from '../generated/client';
import { api, type Client } from './api';

/**
 * A client that behaves as the contract tells clients to: a mutation whose answer did not arrive (connection
 * refused or reset, a 5xx, a 429, no answer in time) is sent again with the same Idempotency-Key and body
 * until it gets an answer. It counts what it saw, so a run can say what a crash looked like from outside.
 */
export type MutationCall = (options: {
  headers: Record<string, string>;
  signal: AbortSignal;
}) => Promise<{ data?: unknown; error?: unknown; response?: Response }>;

export type Submitted =
  { kind: 'accepted'; task: Task } | { kind: 'refused'; status: number; code: string } | { kind: 'gave-up' };

export interface ClientFigures {
  attempts: number;
  /** Attempts that got no HTTP answer (refused, reset, timed out). */
  transportErrors: number;
  /** Attempts answered 5xx or 429. */
  retryableAnswers: number;
  /** Mutations answered 202/200. */
  accepted: number;
  /** Mutations answered with a 4xx other than 429. */
  refused: number;
  /** Accepted only on a retry, with a task older than that retry: an earlier attempt landed unanswered. */
  answerLostTaskKept: number;
  /** Mutations abandoned after `giveUpMs` without an answer. */
  gaveUp: number;
  /** Task reads (long polls) that got no HTTP answer. */
  pollsWithoutAnswer: number;
}

const TERMINAL = new Set(['succeeded', 'failed', 'canceled']);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class CrashClient {
  readonly figures: ClientFigures = {
    attempts: 0,
    transportErrors: 0,
    retryableAnswers: 0,
    accepted: 0,
    refused: 0,
    answerLostTaskKept: 0,
    gaveUp: 0,
    pollsWithoutAnswer: 0,
  };
  /** Mutations sent and not answered yet (the api chaos kills while there are some). */
  inFlight = 0;

  constructor(
    readonly client: Client,
    private readonly limits: { attemptTimeoutMs: number; giveUpMs: number },
    /** Every task id a client was given, in this run (added as soon as the answer arrives). */
    private readonly known: Set<string>,
  ) {}

  /** `wait`: send `Prefer: wait=N`, so the answer is held until the task ends (a long request to cut). */
  async submit(idempotencyKey: string, call: MutationCall, wait?: number): Promise<Submitted> {
    const giveUpAt = Date.now() + this.limits.giveUpMs;
    let failedBefore = false;
    for (let attempt = 0; Date.now() < giveUpAt; attempt++) {
      if (attempt > 0) await sleep(100 + Math.min(attempt, 10) * 50);
      this.figures.attempts++;
      const sentAt = Date.now();
      this.inFlight++;
      let answer: Awaited<ReturnType<MutationCall>> | undefined;
      try {
        answer = await call({
          headers: { 'Idempotency-Key': idempotencyKey, ...(wait ? { Prefer: `wait=${wait}` } : {}) },
          signal: AbortSignal.timeout(this.limits.attemptTimeoutMs),
        });
      } catch {
        answer = undefined; // the body was cut off mid-answer
      } finally {
        this.inFlight--;
      }
      const status = answer?.response?.status;
      if (status === undefined) {
        this.figures.transportErrors++;
        failedBefore = true;
        continue;
      }
      if (status >= 500 || status === 429) {
        this.figures.retryableAnswers++;
        failedBefore = true;
        continue;
      }
      if (status === 200 || status === 202) {
        const task = answer!.data as Task;
        this.figures.accepted++;
        this.known.add(task.id);
        if (failedBefore && Date.parse(task.createdAt) < sentAt) this.figures.answerLostTaskKept++;
        return { kind: 'accepted', task };
      }
      this.figures.refused++;
      return { kind: 'refused', status, code: (answer!.error as { code?: string })?.code ?? 'unknown' };
    }
    this.figures.gaveUp++;
    return { kind: 'gave-up' };
  }

  /** The task once it ended; null when the gateway no longer knows it (lost) or it did not end in time. */
  async awaitTerminal(taskId: string, maxMs: number): Promise<Task | null> {
    const giveUpAt = Date.now() + maxMs;
    while (Date.now() < giveUpAt) {
      let answer: Awaited<ReturnType<typeof api.getTask>> | undefined;
      try {
        answer = await api.getTask({
          client: this.client,
          path: { id: taskId },
          query: { waitSeconds: 5 },
          signal: AbortSignal.timeout(10_000),
        });
      } catch {
        answer = undefined;
      }
      const status = answer?.response?.status;
      if (status === undefined) this.figures.pollsWithoutAnswer++;
      if (status === 404) return null;
      if (status === 200 && TERMINAL.has(answer!.data!.status)) return answer!.data!;
      if (status !== 200) await sleep(200); // the api is down or restarting
    }
    return null;
  }
}
