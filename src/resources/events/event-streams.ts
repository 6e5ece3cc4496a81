import { GatewayError } from '../../common/errors/gateway-error';
import type { EventSettings } from '../../config/config.schema';
import type { SseStream } from './sse-stream';

/** What a client refused for too many streams is told to wait; streams are long-lived, so not a few ms. */
const FULL_RETRY_AFTER_SECONDS = 10;

/**
 * The open event streams of this process: at most `events.maxStreams` in all and `events.maxStreamsPerKey` per
 * API key (its event tokens count as the key), so that streams nobody reads cannot eat the process's memory.
 * On shutdown every stream is ended with a last comment, so that the HTTP server can close within the grace
 * period and EventSource clients reconnect to another process.
 */
export class EventStreams {
  private readonly open = new Set<SseStream>();
  private readonly perKey = new Map<string, number>();
  private reserved = 0;
  private stopping = false;

  constructor(private readonly settings: Pick<EventSettings, 'maxStreams' | 'maxStreamsPerKey'>) {}

  get size(): number {
    return this.reserved;
  }

  /** Takes a place for one more stream of `keyName`; 429 when there is none. Returns its release, idempotent. */
  admit(keyName: string): () => void {
    const ofKey = this.perKey.get(keyName) ?? 0;
    if (this.reserved >= this.settings.maxStreams)
      throw this.full('This gateway process serves as many event streams as it may; try again later.');
    if (ofKey >= this.settings.maxStreamsPerKey)
      throw this.full(`The API key '${keyName}' has as many open event streams as it may; close one first.`);
    this.reserved++;
    this.perKey.set(keyName, ofKey + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.reserved--;
      const left = (this.perKey.get(keyName) ?? 1) - 1;
      if (left > 0) this.perKey.set(keyName, left);
      else this.perKey.delete(keyName);
    };
  }

  /** Tracks an open stream until it closes; one that opens during shutdown is ended at once. */
  track(stream: SseStream): void {
    if (this.stopping) return stream.close('shutting_down');
    this.open.add(stream);
    stream.onClose(() => this.open.delete(stream));
  }

  /** Ends every stream; resolves once each has closed (a client that does not read is cut off, see SseStream). */
  async shutdown(): Promise<void> {
    this.stopping = true;
    const streams = [...this.open];
    for (const stream of streams) stream.close('shutting_down');
    await Promise.all(streams.map((stream) => stream.done));
  }

  private full(detail: string): GatewayError {
    return new GatewayError('rate_limited', detail, {
      retryable: true,
      retryAfter: FULL_RETRY_AFTER_SECONDS,
    });
  }
}
