import type { Task } from '../generated/client';
import type { ChainOutcome } from './faults-chains';
import type { GatewayCaller } from './faults-http';
import { SENSIBLE_TASK_CODES } from './faults-tasks';

const SENSIBLE = new RegExp(`^(${SENSIBLE_TASK_CODES.join('|')})$`);

/** Every task ended: succeeded, or failed with a code the docs give for a failing backend. */
export function expectSensibleEnds(tasks: Task[]): void {
  for (const task of tasks) {
    if (task.status === 'succeeded') continue;
    expect({ id: task.id, operation: task.operation, status: task.status, code: task.error?.code }).toEqual({
      id: task.id,
      operation: task.operation,
      status: 'failed',
      code: expect.stringMatching(SENSIBLE),
    });
  }
}

/**
 * The backend's state, read fresh once the faults are gone, matches what the chain's tasks said: a deleted
 * resource is gone; a kept one exists once (by name) in the state its last successful action left; a failed
 * create left nothing, or only the resource its task names (never running, never a second one).
 */
export async function expectStateMatches(caller: GatewayCaller, outcome: ChainOutcome): Promise<void> {
  const { spec, backend, name } = outcome;
  // Named in every assertion, so that a failure tells which chain and how its tasks ended.
  const story = {
    chain: name,
    tasks: outcome.tasks.map((t) => `${t.operation}:${t.status}${t.error ? `:${t.error.code}` : ''}`),
  };
  const undecided = outcome.tasks.some((task) => task.error?.code === 'needs_attention');
  if (undecided) return;
  if (outcome.resourceId) {
    const read = await caller.get<{ state: string }>(`${spec.collection}/${outcome.resourceId}?fresh=true`);
    const seen = { ...story, status: read.status, state: read.status === 200 ? read.body.state : null };
    if (outcome.deleted) expect(seen).toEqual({ ...story, status: 404, state: null });
    else if (outcome.created)
      expect(seen).toEqual({
        ...story,
        status: 200,
        state: outcome.acted && spec.action?.state ? spec.action.state : expect.any(String),
      });
    else if (read.status !== 404)
      expect(seen).toEqual({ ...story, status: 200, state: expect.not.stringMatching(/^running$/) });
  }
  if (spec.named) {
    const query = `provider=${backend.name}&name=${encodeURIComponent(name)}&fresh=true&pageSize=500`;
    const list = await caller.get<{ items: Array<{ name: string }>; providers: Array<{ status: string }> }>(
      `${spec.collection}?${query}`,
    );
    expect(list.body.providers).toEqual([expect.objectContaining({ status: 'ok' })]);
    const copies = list.body.items.filter((item) => item.name === name).length;
    const allowed = outcome.created ? (outcome.deleted ? [0] : [1]) : outcome.resourceId ? [0, 1] : [0];
    if (!allowed.includes(copies))
      throw new Error(`${JSON.stringify(story)}: ${copies} named ${name}, expected ${allowed.join(' or ')}`);
  }
}
