/** One Prometheus sample: name, labels, value. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Prometheus text exposition → samples (comments and malformed lines skipped). */
export function parsePrometheus(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const label of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[label[1]] = label[2];
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return samples;
}

/** Backend calls one gateway process made, by connection and operation. */
export type CallCounts = Map<string, Map<string, number>>;

/**
 * Backend calls each gateway process made so far, by process URL (a process that does not answer is left out
 * and said so): the count of the upstream call histogram, one per attempt, by connection and `<operation>
 * <outcome>`. An attempt the breaker stopped (`circuit_open`) or the request budget held past its deadline
 * (`budget_exhausted`) was never sent: see {@link NOT_SENT}.
 */
export async function scrapeCalls(urls: string[], key: string): Promise<Map<string, CallCounts>> {
  const byProcess = new Map<string, CallCounts>();
  await Promise.all(
    urls.map(async (url) => {
      try {
        const response = await fetch(`${url}/metrics`, { headers: { Authorization: `Bearer ${key}` } });
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        byProcess.set(url, upstreamCalls(parsePrometheus(await response.text())));
      } catch (error) {
        console.warn(`${url}/metrics: ${(error as Error).message}; its calls are not counted`);
      }
    }),
  );
  return byProcess;
}

/** Outcomes of attempts that never left the process. */
export const NOT_SENT = new Set(['circuit_open', 'budget_exhausted']);

function upstreamCalls(samples: Sample[]): CallCounts {
  const calls: CallCounts = new Map();
  for (const sample of samples) {
    if (sample.name !== 'gateway_upstream_request_duration_seconds_count') continue;
    const connection = sample.labels.provider ?? 'unknown';
    const operations = calls.get(connection) ?? new Map<string, number>();
    const operation = `${sample.labels.operation ?? 'unknown'} ${sample.labels.outcome ?? 'unknown'}`;
    operations.set(operation, (operations.get(operation) ?? 0) + sample.value);
    calls.set(connection, operations);
  }
  return calls;
}

/**
 * The calls made between two scrapes, summed over the processes. Each process's counters only grow, so each
 * difference is taken within one process (counters of different processes are never subtracted from each other)
 * and a process whose counters went down was restarted: its new count is what it made since (Prometheus' rule
 * for counter resets). The figure cannot go below zero.
 */
export function callsBetween(after: Map<string, CallCounts>, before: Map<string, CallCounts>): CallCounts {
  const total: CallCounts = new Map();
  for (const [url, connections] of after) {
    const was = before.get(url) ?? new Map<string, Map<string, number>>();
    for (const [connection, operations] of connections) {
      const into = total.get(connection) ?? new Map<string, number>();
      for (const [operation, n] of operations) {
        const old = was.get(connection)?.get(operation) ?? 0;
        into.set(operation, (into.get(operation) ?? 0) + (n >= old ? n - old : n));
      }
      total.set(connection, into);
    }
  }
  return total;
}

/** Whether an `<operation> <outcome>` key names a list call (`server.list`, `instances.list`, `ipnet.list`…). */
export const isListOperation = (key: string) => /\.list$/.test(key.split(' ')[0]);

/** Whether an `<operation> <outcome>` key counts attempts that were sent. */
export const wasSent = (key: string) => !NOT_SENT.has(key.split(' ')[1] ?? '');
