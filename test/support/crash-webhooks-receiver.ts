import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Rng } from './crash-rng';

/** One request the receiver got, as it came. */
export interface ReceivedRequest {
  /** `webhook-id`: the same on every attempt of one delivery. */
  id: string;
  timestamp: string;
  signature: string;
  body: string;
  /** Whether the 200 was written; false when the sender was gone (killed) before the answer. */
  answered: boolean;
}

/**
 * A loopback webhook receiver for the crash run: records every request with the three Standard Webhooks headers
 * and its raw body (verified by the test at the end, with the secret the gateway gave), and answers 200 after a
 * delay drawn from `delayMs`, so that deliveries are in flight when a worker is killed. `inFlight` counts the
 * requests read and not yet answered: what a kill at that moment interrupts.
 */
export class SlowReceiver {
  readonly received: ReceivedRequest[] = [];
  /** Delay of each answer, ms; [0, 0] answers at once. */
  delayMs: [number, number] = [0, 0];
  private open = 0;

  private constructor(
    private readonly server: Server,
    private readonly rng: Rng,
  ) {}

  static async start(rng: Rng): Promise<SlowReceiver> {
    const server = createServer();
    const receiver = new SlowReceiver(server, rng);
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const request: ReceivedRequest = {
          id: String(req.headers['webhook-id'] ?? ''),
          timestamp: String(req.headers['webhook-timestamp'] ?? ''),
          signature: String(req.headers['webhook-signature'] ?? ''),
          body: Buffer.concat(chunks).toString('utf8'),
          answered: false,
        };
        receiver.received.push(request);
        receiver.open++;
        let settled = false;
        const settle = () => {
          if (settled) return;
          settled = true;
          receiver.open--;
        };
        // The sender killed mid-request: nothing to answer, and the request no longer in flight.
        res.once('close', settle);
        setTimeout(
          () => {
            if (!res.destroyed && !res.writableEnded) {
              res.writeHead(200).end();
              request.answered = true;
            }
            settle();
          },
          receiver.rng.between(...receiver.delayMs),
        );
      });
    });
    // A socket cut by a kill -9 must not fail the test process.
    server.on('clientError', (_error, socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks`;
  }

  /** Requests read and not yet answered (nor cut). */
  get inFlight(): number {
    return this.open;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
