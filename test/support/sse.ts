export interface SseEvent {
  id?: string;
  event?: string;
  data: string;
}

export interface SseStream {
  events: SseEvent[];
  status: number;
  headers: Headers;
  /** Comment lines (`: text`) the server sent, without the colon, e.g. `closing: token_expired`. */
  comments: string[];
  /** Settles when the stream stops: true when the server ended it cleanly, false on a reset or abort. */
  ended: Promise<boolean>;
  /** Resolves once `predicate` holds for the events read so far (or rejects after `timeoutMs`). */
  until(predicate: (events: SseEvent[]) => boolean, timeoutMs?: number): Promise<SseEvent[]>;
  close(): void;
}

/** Opens an event stream with fetch and parses it as EventSource would (id, event, data; comments skipped). */
export async function openEvents(url: string, headers: Record<string, string> = {}): Promise<SseStream> {
  const controller = new AbortController();
  const response = await fetch(url, {
    headers: { Accept: 'text/event-stream', ...headers },
    signal: controller.signal,
  });
  const events: SseEvent[] = [];
  const comments: string[] = [];
  const waiters = new Set<() => void>();
  let settle!: (clean: boolean) => void;
  const ended = new Promise<boolean>((resolve) => (settle = resolve));
  if (!response.ok || !response.body) settle(false);
  else {
    void (async () => {
      const decoder = new TextDecoder();
      let buffer = '';
      try {
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
          buffer += decoder.decode(chunk, { stream: true });
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const event: SseEvent = { data: '' };
            const data: string[] = [];
            for (const line of block.split('\n')) {
              if (line.startsWith(':')) {
                comments.push(line.slice(1).trim());
                continue;
              }
              const [field, ...rest] = line.split(':');
              const value = rest.join(':').replace(/^ /, '');
              if (field === 'id') event.id = value;
              else if (field === 'event') event.event = value;
              else if (field === 'data') data.push(value);
            }
            if (data.length) {
              event.data = data.join('\n');
              events.push(event);
              waiters.forEach((wake) => wake());
            }
          }
        }
        settle(true);
      } catch {
        // aborted
        settle(false);
      }
    })();
  }
  return {
    events,
    status: response.status,
    headers: response.headers,
    comments,
    ended,
    until(predicate, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (predicate(events)) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(events);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`events so far: ${JSON.stringify(events.map((e) => e.event))}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close: () => controller.abort(),
  };
}
