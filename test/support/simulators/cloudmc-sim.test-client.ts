import type { CloudmcSimulatorHandle } from '../../../sandbox/simulators/cloudmc/cloudmc.simulator';

// Test support for the simulator's own specs: a CloudMC client as GO/JS behave (JSON content type always:
// docs/providers/cloudmc.md#conventions).

export type Fields = Record<string, unknown>;

export interface ApiError {
  code?: number;
  errorCode?: string;
  message: string;
  context: Fields;
}

export interface TaskData {
  id: string;
  status: string;
  created: string;
  result: Fields;
}

/** The bodies the tests read: reads, task accepts, errors and `/__sim` answers. */
export interface Answer {
  data: unknown;
  metadata?: { recordCount: number };
  errors: ApiError[];
  taskId: string;
  taskStatus: string;
  counts: Record<string, number>;
  tasks: { live: number; pending: number };
}

export const rows = (answer: Answer) => answer.data as Fields[];
export const item = (answer: Answer) => answer.data as Fields;
export const svc = (path: string) => `/services/compute-sim/sandbox/${path}`;

export class SimTestClient {
  constructor(private readonly sim: () => CloudmcSimulatorHandle) {}

  /** `path` is under `/api/v2`, or a `/__sim` control path; `key` null sends no key. */
  async call(method: string, path: string, body?: unknown, key: string | null = this.sim().apiKey) {
    const headers: Record<string, string> = { 'Content-Type': 'application/json' };
    if (key !== null) headers['MC-Api-Key'] = key;
    const url = path.startsWith('/__sim') ? `${this.sim().url}${path}` : `${this.sim().apiUrl}${path}`;
    const response = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as Answer };
  }

  /** Polls a task until it leaves PENDING (bounded), returning its shape-B `data`. */
  async finish(taskId: string): Promise<TaskData> {
    for (let attempt = 0; attempt < 500; attempt++) {
      const { status, body } = await this.call('GET', `/tasks/${taskId}`);
      if (status !== 200) throw new Error(`GET /tasks/${taskId} answered ${status}`);
      const task = body.data as TaskData;
      if (task.status !== 'PENDING') return task;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`task ${taskId} stayed PENDING`);
  }

  /** Starts a mutation (it must be accepted as a PENDING task) and waits for its task. */
  async mutate(method: string, path: string, body?: unknown): Promise<TaskData> {
    const started = await this.call(method, path, body);
    if (started.status !== 200 || started.body?.taskStatus !== 'PENDING') {
      throw new Error(
        `${method} ${path} was not accepted: ${started.status} ${JSON.stringify(started.body)}`,
      );
    }
    return this.finish(started.body.taskId);
  }
}
