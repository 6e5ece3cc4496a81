import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { OperationPlan, StepContext, StepOutcome } from '../../src/providers/ports/operation-plan';
import { Connection } from '../../src/providers/registry/connection';
import { PROVIDER_KINDS } from '../../src/providers/registry/provider-kinds';
import { RedisClaims } from '../../src/providers/registry/redis-claims';
import { RedisSharedPolls } from '../../src/providers/registry/redis-shared-polls';
import { workerRedisUrl } from '../support/gateway';
import { TEST_TUNING, testDeps } from '../support/plan-runner';
import type { ConformanceDriver } from './driver';
import { DRIVERS } from './drivers';
import { fresh, startSubject, taskIdOf, type Subject } from './harness';

// Coalesced polling (docs/design.md#coalesced-polling, issue 16): K server creates of one connection, split over
// two "worker processes" (two adapters, each with its own shared polls on one Redis), wait at once; the
// simulator's request log shows at most one list call per collection per tick, not one backend call per task
// poll (and, on CloudMC, no task polls at all for a create: the instance list tells).

/** Tasks waiting at once. */
const K = 4;
/** Between two rounds of polls: just over a tick (the connections' `pollIntervalMs`). */
const ROUND_PAUSE_MS = TEST_TUNING.pollIntervalMs + 5;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One task driven as the engine drives it: steps in order, `stepStartedAt` kept per step, polls counted. */
class Task {
  private index = 0;
  private polls = 0;
  private startedAt: number | null = null;
  private readonly state: Record<string, unknown> = {};
  private nativeId: string | null = null;

  constructor(
    private readonly plan: OperationPlan,
    private readonly taskId: string,
  ) {}

  current(): string | undefined {
    return this.plan.steps[this.index]?.name;
  }

  async runOnce(): Promise<StepOutcome> {
    const ctx: StepContext = {
      taskId: this.taskId,
      nativeId: this.nativeId,
      state: this.state,
      polls: this.polls,
      stepStartedAt: (this.startedAt ??= Date.now()),
      resumed: false,
    };
    const outcome = await this.plan.steps[this.index].run(ctx);
    if (outcome.nativeId) this.nativeId = outcome.nativeId;
    if (outcome.status === 'done') {
      this.index++;
      this.polls = 0;
      this.startedAt = null;
    } else this.polls++;
    return outcome;
  }

  /** Runs the steps until one of the `wait-` steps answers wait (or the plan ends). */
  async untilWaiting(): Promise<void> {
    for (let guard = 0; guard < 2_000 && this.current() !== undefined; guard++) {
      const outcome = await this.runOnce();
      if (outcome.status === 'wait' && this.current()!.startsWith('wait-')) return;
      if (outcome.status === 'wait') await sleep(Math.min(outcome.delayMs, 50));
    }
  }
}

describe.each(DRIVERS.map((driver): [string, ConformanceDriver] => [driver.kind, driver]))(
  'coalesced polling of %s (two processes, one Redis, real HTTP)',
  (_kind, driver) => {
    let subject: Subject;
    let redis: Redis;

    beforeAll(async () => {
      subject = await startSubject(driver);
      redis = new Redis(workerRedisUrl());
    });

    beforeEach(() => subject.reset());

    afterAll(async () => {
      redis?.disconnect();
      await subject?.stop();
    });

    /** A "worker process": its own adapter, shared polls and leases, on the one Redis. */
    const process = (keySpace: string) => {
      const definition = PROVIDER_KINDS.find((k) => k.kind === driver.kind)!;
      const adapter = definition.create(subject.config, {
        ...testDeps(),
        claims: new RedisClaims(redis, keySpace),
        polls: new RedisSharedPolls(redis, keySpace),
      });
      return new Connection(adapter, subject.config);
    };

    it('should answer the polls of K waiting creates with one list call per collection per tick, whatever their process', async () => {
      // The poll keys of this case only: an older run's list must not count.
      const keySpace = `${subject.name}-${randomBytes(4).toString('hex')}`;
      const workers = [process(keySpace), process(keySpace)];
      await subject.backend.roomFor?.(K);
      const tasks = Array.from({ length: K }, (_, i) => {
        const taskId = taskIdOf();
        const request = {
          operation: 'server.create' as const,
          target: null,
          input: subject.backend.inputs.server(fresh('poll')),
          taskId,
        };
        return new Task(workers[i % 2].plan(request), taskId);
      });
      await Promise.all(tasks.map((task) => task.untilWaiting()));
      const measured = tasks.map((task) => task.current());
      expect(measured.every((step) => step?.startsWith('wait-'))).toBe(true);

      // Every round, each task still in the wait it was in polls once, as many workers would.
      await subject.clearRequests();
      let rounds = 0;
      let polls = 0;
      for (; rounds < 500; rounds++) {
        const waiting = tasks.filter((task, i) => task.current() === measured[i]);
        if (waiting.length === 0) break;
        polls += waiting.length;
        await Promise.all(waiting.map((task) => task.runOnce()));
        await sleep(ROUND_PAUSE_MS);
      }
      const requests = Object.entries(await subject.requests());

      expect(polls).toBeGreaterThanOrEqual(K);
      // Waits only observe.
      expect(requests.filter(([route]) => !/^(GET|HEAD) /.test(route))).toEqual([]);
      // No route more than once a round: one list per collection per tick for all K tasks of both processes (or
      // once per process, for a lookup a process keeps for itself: DCImanager's IPmanager networks, a minute).
      const most = Math.max(rounds, workers.length);
      for (const [route, count] of requests) expect([route, count <= most]).toEqual([route, true]);
      const calls = requests.reduce((sum, [, count]) => sum + count, 0);
      expect(calls).toBeLessThan(polls);
      // CloudMC's create reads its instance from the list, never its task (docs/providers/cloudmc.md#waiting).
      expect(requests.filter(([route]) => route.includes('/tasks/'))).toEqual([]);
    });
  },
);
