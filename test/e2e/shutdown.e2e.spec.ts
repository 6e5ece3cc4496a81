import { startChildGateway, writeConfig, type ChildGateway } from '../support/child-gateway';
import { KEYS, startTestGateway, type TestGateway } from '../support/gateway';
import { openEvents } from '../support/sse';

// Issue 12, point 11: SIGTERM with an open event stream and long-polls in flight ends them at once and cleanly
// (a last SSE comment, the task as it is), and the process exits 0 within its grace period.

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('graceful shutdown with open streams and long-polls (e2e)', () => {
  let backends: TestGateway;
  let child: ChildGateway | null = null;

  beforeAll(async () => {
    // Simulators, Redis and a config; no workers anywhere, so that the tasks below stay queued.
    backends = await startTestGateway({ connections: [{ name: 'cm-a', kind: 'cloudmc' }], role: 'api' });
  });

  afterAll(async () => {
    await child?.crash();
    await backends.close();
  });

  it('should end the stream and answer the long-polls, then exit 0, on SIGTERM', async () => {
    child = await startChildGateway({
      configPath: writeConfig(backends.document),
      redisUrl: backends.redisUrl,
      role: 'api',
    });
    const auth = { Authorization: `Bearer ${KEYS.admin}` };
    const json = { ...auth, 'Content-Type': 'application/json' };
    const accepted = await fetch(`${child.baseUrl}/v1/networks`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ provider: 'cm-a', name: 'never-run' }),
    });
    expect(accepted.status).toBe(202);
    const task = (await accepted.json()) as { id: string; status: string };

    const events = await openEvents(`${child.baseUrl}/v1/events`, auth);
    expect(events.status).toBe(200);
    const longPoll = fetch(`${child.baseUrl}/v1/tasks/${task.id}?waitSeconds=60`, { headers: auth });
    const preferWait = fetch(`${child.baseUrl}/v1/networks`, {
      method: 'POST',
      headers: { ...json, Prefer: 'wait=60' },
      body: JSON.stringify({ provider: 'cm-a', name: 'never-run-either' }),
    });
    // The second create has made its task (its wait has begun, or is about to).
    await events.until((all) => all.some((e) => e.event === 'task.created'));
    await sleep(1_000); // the long-poll reaches its wait (a bound, not an assertion)

    const code = await child.signal('SIGTERM');
    expect({ code, output: code === 0 ? '' : child.output() }).toEqual({ code: 0, output: '' });

    // The stream ended cleanly with a last comment (an EventSource reconnects to another process).
    await expect(events.ended).resolves.toBe(true);
    expect(events.comments).toContain('closing: shutting_down');
    // The long-polls got the task as it is.
    const polled = await longPoll;
    expect(polled.status).toBe(200);
    expect(await polled.json()).toMatchObject({ id: task.id, status: 'queued' });
    const created = await preferWait;
    expect(created.status).toBe(202);
    expect(await created.json()).toMatchObject({ status: 'queued', operation: 'network.create' });
  });
});
