import { createClient } from '../generated/client/client';
import type { Client } from '../generated/client/client';
import * as api from '../generated/client';
import type { Task } from '../generated/client';

export { api };
export type { Client };

/** A typed client generated from openapi/openapi.json, authenticated with one API key (or none). */
export function clientFor(baseUrl: string, key?: string, headers: Record<string, string> = {}): Client {
  return createClient({
    baseUrl,
    headers: { ...(key ? { Authorization: `Bearer ${key}` } : {}), ...headers },
  });
}

const TERMINAL = new Set(['succeeded', 'failed', 'canceled']);

/** Long-polls a task until it ends (GET /v1/tasks/{id}?waitSeconds=), within `maxSeconds`. */
export async function waitForTask(client: Client, id: string, maxSeconds = 60): Promise<Task> {
  const deadline = Date.now() + maxSeconds * 1000;
  for (;;) {
    const { data, error } = await api.getTask({ client, path: { id }, query: { waitSeconds: 10 } });
    if (error || !data) throw new Error(`GET /v1/tasks/${id} failed: ${JSON.stringify(error)}`);
    if (TERMINAL.has(data.status)) return data;
    if (Date.now() > deadline)
      throw new Error(`task ${id} still ${data.status} after ${maxSeconds} s: ${JSON.stringify(data)}`);
  }
}

/** Waits for a task and insists it succeeded, showing its problem when it did not. */
export async function succeeded(client: Client, task: Task | undefined): Promise<Task> {
  if (!task) throw new Error('no task returned');
  const done = await waitForTask(client, task.id);
  if (done.status !== 'succeeded')
    throw new Error(`task ${task.operation} ${done.status}: ${JSON.stringify(done.error)}`);
  return done;
}

/** An image and a fixed-size plan of a connection, as a client picks them from the catalog. */
export async function catalogPicks(
  client: Client,
  connection: string,
): Promise<{ imageId: string; planId: string }> {
  const images = await api.listProviderImages({ client, path: { name: connection } });
  const plans = await api.listProviderPlans({ client, path: { name: connection } });
  return { imageId: images.data!.items[0].id, planId: plans.data!.items.find((p) => !p.custom)!.id };
}

/**
 * `PATCH /v1/servers/{id}` with a new name: a rename is always a task (a PATCH of labels the gateway keeps answers
 * the server instead), so its answer is typed as the task here.
 */
export async function renameServer(
  options: Parameters<typeof api.updateServer>[0] & { body: { name: string } },
): Promise<{ data?: Task; error?: unknown; response: Response }> {
  const answer = await api.updateServer(options);
  return { ...answer, data: answer.data as Task | undefined };
}

/** A task answer's task, or the refusal as an error (for answers typed `Task | <resource>`). */
export function taskOf(answer: { data?: unknown; error?: unknown }): Task {
  const data = answer.data as Task | undefined;
  if (!data?.operation)
    throw new Error(`expected a task, got ${JSON.stringify(answer.error ?? answer.data)}`);
  return data;
}
