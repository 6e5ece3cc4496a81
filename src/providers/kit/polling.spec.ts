import { ProviderError } from '../../common/errors/gateway-error';
import type { StepContext } from '../ports/operation-plan';
import { pollDelay, waitFor } from './polling';

const ctx = (polls = 0): StepContext => ({
  taskId: 't',
  nativeId: 'n',
  state: {},
  polls,
  stepStartedAt: 0,
  resumed: false,
});

describe('pollDelay', () => {
  it('should grow from the initial delay to the cap when polls accumulate', () => {
    const mid = () => 0.5;
    expect(pollDelay(0, { initialMs: 1000, maxMs: 5000 }, mid)).toBe(1000);
    expect(pollDelay(1, { initialMs: 1000, maxMs: 5000 }, mid)).toBe(1500);
    expect(pollDelay(20, { initialMs: 1000, maxMs: 5000 }, mid)).toBe(5000);
  });

  it('should jitter within ±20 % and never exceed the cap', () => {
    expect(pollDelay(0, { initialMs: 1000, maxMs: 5000 }, () => 0)).toBe(800);
    expect(pollDelay(0, { initialMs: 1000, maxMs: 5000 }, () => 1)).toBe(1200);
    expect(pollDelay(30, { initialMs: 1000, maxMs: 5000 }, () => 1)).toBe(5000);
  });
});

describe('waitFor', () => {
  const step = (value: { state: string } | null, whenMissing: 'done' | 'fail' | 'wait' = 'fail') =>
    waitFor<{ state: string }>({
      name: 'wait',
      read: () => Promise.resolve(value),
      done: (v) => v.state === 'Running',
      failed: (v) => (v.state === 'Error' ? 'went to Error' : null),
      whenMissing,
      backoff: { initialMs: 100, maxMs: 1000 },
      describe: (v) => ({ providerStatus: v.state }),
    });

  it('should answer done with the observed status when the target is reached', async () => {
    await expect(step({ state: 'Running' }).run(ctx())).resolves.toMatchObject({
      status: 'done',
      providerStatus: 'Running',
    });
  });

  it('should answer wait with a delay when the resource is still transitioning', async () => {
    const outcome = await step({ state: 'Starting' }).run(ctx(3));
    expect(outcome).toMatchObject({ status: 'wait', providerStatus: 'Starting' });
    expect(outcome.status === 'wait' && outcome.delayMs).toBeGreaterThan(0);
  });

  it('should fail without retry when the failure predicate matches', async () => {
    await expect(step({ state: 'Error' }).run(ctx())).rejects.toThrow(ProviderError);
    await expect(step({ state: 'Error' }).run(ctx())).rejects.toMatchObject({ retryable: false });
  });

  it('should follow the not-found rule', async () => {
    await expect(step(null, 'done').run(ctx())).resolves.toMatchObject({ status: 'done' });
    await expect(step(null, 'wait').run(ctx())).resolves.toMatchObject({ status: 'wait' });
    await expect(step(null, 'fail').run(ctx())).rejects.toThrow(/disappeared/);
  });
});
