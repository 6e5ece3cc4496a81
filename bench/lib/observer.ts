import { validateConfig } from '../../src/config/config.validator';
import { readEnv } from '../../src/config/env';
import { UpstreamClient } from '../../src/providers/kit/http/upstream-client';
import { MemoryClaims } from '../../src/providers/kit/memory-claims';
import { MemorySharedPolls } from '../../src/providers/kit/memory-shared-polls';
import { Connection } from '../../src/providers/registry/connection';
import { PROVIDER_KINDS, connectionKindSchemas } from '../../src/providers/registry/provider-kinds';
import type { BenchSimulator } from './context';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The bench's own view of one backend, straight from it (not through the gateway): when each server it created
 * was first seen running, to measure the gateway's detection lag, and the servers at the end, to count duplicates.
 * It reads through the core's normalizer, as the gateway reads: names without the task marker some backends keep
 * in the name, so a server is matched to the create that made it.
 *
 * Each backend is watched by a loop of its own, so that a long list of one does not blur the others' times.
 */
export class BackendObserver {
  /** First seen running: the middle of (start of the last list that did not show it, end of the one that did). */
  readonly runningAt = new Map<string, number>();
  /** The observer's attempts by outcome (`ok`, or the error code). */
  readonly attempts: Record<string, number> = {};
  /** Of those, the ones that got an HTTP answer: the backend counted them. */
  private answered = 0;
  /** Width of the interval a running time is known within, per list: the measurement's resolution. */
  private readonly widths: number[] = [];
  private readonly connection: Connection;
  private running = false;
  private loop: Promise<void> = Promise.resolve();

  constructor(readonly simulator: BenchSimulator) {
    this.connection = observerConnection(simulator, (outcome, answered) => {
      this.attempts[outcome] = (this.attempts[outcome] ?? 0) + 1;
      if (answered) this.answered++;
    });
  }

  /** Lists every `everyMs` until `stop()`. */
  start(everyMs: number): void {
    this.running = true;
    this.loop = (async () => {
      let previousStart = Date.now();
      while (this.running) {
        const start = Date.now();
        const servers = await this.list();
        const end = Date.now();
        for (const server of servers) {
          if (server.state === 'running' && !this.runningAt.has(server.name))
            this.runningAt.set(server.name, Math.round((previousStart + end) / 2));
        }
        this.widths.push(end - previousStart);
        previousStart = start;
        await sleep(Math.max(0, everyMs - (Date.now() - start)));
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  answeredAttempts(): number {
    return this.answered;
  }

  /** Mean width of the interval each running time lies in (ms). */
  resolutionMs(): number | null {
    return this.widths.length
      ? Math.round(this.widths.reduce((a, b) => a + b, 0) / this.widths.length)
      : null;
  }

  /** The backend's servers now, by name and state (an empty list when the call fails). */
  async list(): Promise<Array<{ name: string; state: string }>> {
    return this.connection.servers!.list().then(
      (answer) => answer.items.map((server) => ({ name: server.name, state: server.state })),
      () => [],
    );
  }
}

/** A connection of the bench's own to one simulator, through the config validator as the gateway's. */
function observerConnection(
  simulator: BenchSimulator,
  onCall: (outcome: string, answered: boolean) => void,
): Connection {
  const definition = PROVIDER_KINDS.find((k) => (k.kind as string) === simulator.kind)!;
  // Every default filled in (a cast config once lacked maxListItems, which emptied the observers' lists, and
  // DCImanager's apiPrefix, which broke its URLs).
  const [config] = validateConfig(
    {
      apiKeys: [{ name: 'bench', key: 'bench-observer-key-0000', scopes: ['read'], providers: ['*'] }],
      providers: [
        {
          ...simulator.connection,
          name: simulator.name,
          timeoutMs: 60_000,
          pollIntervalMs: 100,
          maxPollIntervalMs: 100,
          concurrency: 8,
          breakerFailures: 1000,
          breakerHalfOpenMs: 1000,
          listDeadlineMs: 60_000,
          maxListItems: 1_000_000,
          maxResponseBytes: 268_435_456,
        },
      ],
    },
    { env: readEnv({}), kinds: connectionKindSchemas(), baseDir: process.cwd(), variables: {} },
  ).providers;
  const adapter = definition.create(config, {
    http: (options) =>
      new UpstreamClient(options, { onCall: (record) => onCall(record.outcome, record.status !== null) }),
    logger: { debug: () => undefined, info: () => undefined, warn: () => undefined },
    onUnknownState: () => undefined,
    claims: new MemoryClaims(),
    polls: new MemorySharedPolls(),
  });
  return new Connection(adapter, config);
}
