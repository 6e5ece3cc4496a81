import type { AnyResource } from '../../src/domain/resource';
import { parseCloudsigmaError } from '../../src/providers/cloudsigma/client/errors';
import { CloudsigmaClient } from '../../src/providers/cloudsigma/client/http.client';
import { UpstreamClient } from '../../src/providers/kit/http/upstream-client';
import type { ProviderAdapter } from '../../src/providers/ports/provider-adapter';
import { Connection } from '../../src/providers/registry/connection';
import type { OperationPlan, StepContext, StepOutcome } from '../../src/providers/ports/operation-plan';
import type { OperationInputs, OperationName } from '../../src/providers/ports/operations';
import type { CloudsigmaSimulatorHandle } from '../../sandbox/simulators/cloudsigma/cloudsigma.simulator';
import type { SimulatorHandle } from '../../sandbox/simulators/common/simulator';
import { sim } from './gateway';
import { normalized, TEST_TUNING } from './plan-runner';

// Contract-test helpers for the CloudSigma adapter: steps driven by hand (crashes, failures) and sim stats.

/**
 * A plan with a shared step state, whose steps the test runs one by one as a worker would. The plan comes
 * through the core's `Connection`, so the resources its steps report are normalized.
 */
export function manualPlan<O extends OperationName>(
  adapter: ProviderAdapter | Connection,
  operation: O,
  target: string | null,
  input: OperationInputs[O],
  taskId: string,
) {
  const connection = adapter instanceof Connection ? adapter : normalized(adapter);
  const plan: OperationPlan<AnyResource> = connection.plan({ operation, target, input, taskId });
  const state: Record<string, unknown> = {};
  let nativeId = target;
  const ctx = (resumed: boolean, polls = 0): StepContext => ({
    taskId,
    nativeId,
    state,
    polls,
    stepStartedAt: Date.now(),
    resumed,
  });
  return {
    plan,
    state,
    get nativeId() {
      return nativeId;
    },
    ctx,
    /** Runs the named step until it answers done (bounded), as a worker would, optionally resumed at first. */
    async run(name: string, resumed = false): Promise<StepOutcome<AnyResource>> {
      const step = plan.steps.find((s) => s.name === name)!;
      for (let polls = 0; polls < 500; polls++) {
        const outcome = await step.run(ctx(resumed && polls === 0, polls));
        if (outcome.nativeId) nativeId = outcome.nativeId;
        if (outcome.status === 'done') return outcome;
        await new Promise((resolve) => setTimeout(resolve, Math.min(outcome.delayMs, 20)));
      }
      throw new Error(`step ${name} never finished`);
    },
  };
}

/** How many requests the simulator saw, per `METHOD /route`, optionally only those matching. */
export async function requestCounts(handle: SimulatorHandle, match?: RegExp): Promise<number> {
  const stats = (await sim(handle, 'GET', '/stats')) as { requests: Record<string, number> };
  return Object.entries(stats.requests)
    .filter(([key]) => !match || match.test(key))
    .reduce((sum, [, n]) => sum + n, 0);
}

/** A plain 1.0 client on the simulator, for what a test does behind the adapter's back (another tool, a person). */
export function rawClient(handle: CloudsigmaSimulatorHandle): CloudsigmaClient {
  return new CloudsigmaClient(
    new UpstreamClient({
      connection: 'cs',
      kind: 'cloudsigma',
      baseUrl: handle.url,
      tuning: TEST_TUNING,
      parseError: parseCloudsigmaError,
      defaultHeaders: {
        Authorization: `Basic ${Buffer.from(`${handle.email}:${handle.password}`).toString('base64')}`,
      },
    }),
  );
}

/** The simulator's own text answer to a read, as a 1.0 client gets it (to build odd answers from). */
export async function rawText(handle: CloudsigmaSimulatorHandle, path: string): Promise<string> {
  const response = await fetch(`${handle.url}${path}`, {
    headers: {
      Authorization: `Basic ${Buffer.from(`${handle.email}:${handle.password}`).toString('base64')}`,
    },
  });
  if (!response.ok) throw new Error(`GET ${path}: ${response.status}`);
  return response.text();
}

/** Answers the next `count` requests `GET path` (a regular expression) with these exact bytes (the `body` fault). */
export async function answerNextWith(
  handle: CloudsigmaSimulatorHandle,
  path: string,
  body: Buffer | string,
  count = 1,
): Promise<void> {
  await sim(handle, 'POST', '/faults', {
    action: 'body',
    method: 'GET',
    path,
    count,
    bodyBase64: Buffer.from(body).toString('base64'),
  });
}
