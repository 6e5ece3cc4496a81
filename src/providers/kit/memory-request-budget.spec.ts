import { BudgetWaitTooLong, type BudgetEvent } from '../ports/request-budget';
import { ManualClock } from './manual-clock';
import { MemoryRequestBudget } from './memory-request-budget';

describe('MemoryRequestBudget', () => {
  it('should grant the burst at once, then one token per interval', () => {
    const clock = new ManualClock();
    const budget = new MemoryRequestBudget({ requestsPerSecond: 100, burstWindowMs: 30, clock });
    expect([1, 2, 3].map(() => budget.tryTake())).toEqual([0, 0, 0]);
    expect(budget.tryTake()).toBe(10);
    clock.advance(10);
    expect(budget.tryTake()).toBe(0);
    expect(budget.tryTake()).toBe(10);
  });

  it('should hold takes through a pause and restart at the steady rate', async () => {
    const clock = new ManualClock();
    const events: BudgetEvent[] = [];
    const budget = new MemoryRequestBudget({
      requestsPerSecond: 100,
      burstWindowMs: 30,
      clock,
      onEvent: (event) => events.push(event),
    });
    await budget.pause(1_000);
    let taken = false;
    const taking = budget.take().then(() => (taken = true));
    await Promise.resolve();
    expect(clock.sleeping).toBe(1);
    clock.advance(999);
    await Promise.resolve();
    expect(taken).toBe(false);
    clock.advance(1);
    await taking;
    expect(budget.tryTake()).toBe(10);
    expect(events).toEqual(['pause', 'wait']);
  });

  it('should refuse at once a take whose slot is later than maxWaitMs', async () => {
    const budget = new MemoryRequestBudget({ requestsPerSecond: 10, clock: new ManualClock() });
    await budget.pause(5_000);
    await expect(budget.take({ maxWaitMs: 4_999 })).rejects.toBeInstanceOf(BudgetWaitTooLong);
  });
});
