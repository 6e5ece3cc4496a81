import type { ServerResponse } from 'node:http';

/** Why the gateway ended a stream; sent as its last line, an SSE comment (`: closing: <reason>`). */
export type CloseReason = 'token_expired' | 'credentials_revoked' | 'shutting_down' | 'interrupted';

export interface SseLimits {
  /** Bytes queued in the process for this client beyond which the stream is dropped. */
  maxBufferedBytes: number;
  /** How long the socket may stay full (a write refused) before the stream is dropped. */
  drainTimeoutMs: number;
}

/** How long a closing stream's last bytes get to reach a client before its socket is destroyed. */
const FINAL_FLUSH_MS = 2_000;

/**
 * One open event stream with bounded memory: what the client has not taken stays below `maxBufferedBytes`
 * and a full socket must drain within `drainTimeoutMs`, or the stream is dropped (the client resumes with
 * Last-Event-ID). Writers that can wait (the replay) wait for `drained()` whenever `write` says so.
 */
export class SseStream {
  private ended = false;
  private gone = false;
  private drainTimer: NodeJS.Timeout | null = null;
  private overCheck: NodeJS.Immediate | null = null;
  private readonly cleanups: Array<() => void> = [];
  /** Resolves once the response is closed, however that happened. */
  readonly done: Promise<void>;

  constructor(
    private readonly raw: ServerResponse,
    private readonly limits: SseLimits,
  ) {
    this.done = new Promise((resolve) =>
      raw.once('close', () => {
        this.ended = true;
        this.gone = true;
        this.clearDrainTimer();
        for (const cleanup of this.cleanups.splice(0)) cleanup();
        resolve();
      }),
    );
    raw.on('drain', () => this.clearDrainTimer());
  }

  /** True once the stream was ended or dropped: nothing more is written. */
  get closed(): boolean {
    return this.ended || this.raw.destroyed || this.raw.writableEnded;
  }

  /** Runs once the response is closed (at once when it already is). */
  onClose(cleanup: () => void): void {
    if (this.gone) cleanup();
    else this.cleanups.push(cleanup);
  }

  /**
   * Writes a chunk. False when the stream is closed or the client is behind: a writer that can wait should await
   * `drained()`; one that cannot (a live event) just goes on, within the bounds.
   */
  write(chunk: string): boolean {
    if (this.closed) return false;
    const flowing = this.raw.write(chunk);
    // Judged once the writes of this turn of the event loop had their chance to reach the socket: Node may hold a
    // response's writes until then (Node 26 does), so a client that reads would look behind in the middle of a batch.
    if (this.raw.writableLength > this.limits.maxBufferedBytes && !this.overCheck) {
      this.overCheck = setImmediate(() => {
        this.overCheck = null;
        if (!this.closed && this.raw.writableLength > this.limits.maxBufferedBytes) this.drop();
      });
    }
    if (!flowing && !this.drainTimer) {
      this.drainTimer = setTimeout(() => this.drop(), this.limits.drainTimeoutMs);
      this.drainTimer.unref();
    }
    return flowing;
  }

  /** Resolves true once the client has taken what was queued, false when the stream closed first. */
  drained(): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    if (!this.raw.writableNeedDrain) return Promise.resolve(true);
    return new Promise((resolve) => {
      const onDrain = () => {
        this.raw.off('close', onClose);
        resolve(!this.closed);
      };
      const onClose = () => {
        this.raw.off('drain', onDrain);
        resolve(false);
      };
      this.raw.once('drain', onDrain);
      this.raw.once('close', onClose);
    });
  }

  /**
   * Ends the stream with a last comment naming why, and closes its connection: an EventSource reconnects after
   * its retry delay (to another process, on shutdown) and resumes with Last-Event-ID.
   */
  close(reason: CloseReason): void {
    if (this.closed) return;
    this.ended = true;
    const socket = this.raw.socket;
    this.raw.end(`: closing: ${reason}\n\n`);
    if (!socket) return;
    this.raw.once('finish', () => socket.end());
    // A client that does not read would hold the connection (and a shutdown) forever.
    const force = setTimeout(() => socket.destroy(), FINAL_FLUSH_MS);
    force.unref();
    socket.once('close', () => clearTimeout(force));
  }

  /** Drops a client that does not keep up: nothing more can reach it, so no last comment. */
  private drop(): void {
    this.ended = true;
    this.clearDrainTimer();
    this.raw.destroy();
  }

  private clearDrainTimer(): void {
    if (this.drainTimer) clearTimeout(this.drainTimer);
    this.drainTimer = null;
  }
}
