import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** One request a receiver got. */
export interface ReceivedWebhook {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** Order of arrival across the receiver, from 0. */
  seq: number;
}

/** A payload as the gateway sends it (docs/design.md#webhooks). */
export interface WebhookBody {
  type: string;
  timestamp: string;
  data: Record<string, unknown> & { id?: string; webhookId?: string; provider?: string };
}

/** What the receiver answers: a status and, for a redirect, where to. */
export type Answer = number | { status: number; location?: string };

/**
 * A loopback webhook receiver for tests (e2e, security, crash): records every request with its raw body and
 * headers, answers what the test scripts (per path: a queue of answers, then a default), and verifies
 * signatures with the Standard Webhooks reference library, as a real receiver would.
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  private readonly scripts = new Map<string, Answer[]>();
  private readonly defaults = new Map<string, Answer>();
  private readonly delays = new Map<string, () => number>();
  private seq = 0;

  private constructor(private readonly server: Server) {}

  static async start(): Promise<WebhookReceiver> {
    const server = createServer();
    const receiver = new WebhookReceiver(server);
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const path = (req.url ?? '/').split('?')[0];
        receiver.received.push({
          path,
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          seq: receiver.seq++,
        });
        const answer = receiver.scripts.get(path)?.shift() ?? receiver.defaults.get(path) ?? 200;
        const { status, location } =
          typeof answer === 'number' ? { status: answer, location: undefined } : answer;
        res.writeHead(status, location ? { location } : {}).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** A URL of this receiver on loopback (each test uses its own path). */
  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** The next answers on `path`, in order; then `otherwise` (200 unless set). */
  script(path: string, answers: Answer[], otherwise?: Answer): void {
    this.scripts.set(path, [...answers]);
    if (otherwise !== undefined) this.defaults.set(path, otherwise);
  }

  /** Answers on `path` only after this many milliseconds (a number, or a function drawn per request). */
  slow(path: string, delayMs: number | (() => number)): void {
    this.delays.set(path, typeof delayMs === 'number' ? () => delayMs : delayMs);
  }

  on(path: string): ReceivedWebhook[] {
    return this.received.filter((r) => r.path === path);
  }

  /** Waits until `count(requests on path)` holds, polling; throws with what arrived after `timeoutMs`. */
  async waitFor(
    path: string,
    done: (requests: ReceivedWebhook[]) => boolean,
    timeoutMs = 30_000,
  ): Promise<ReceivedWebhook[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const requests = this.on(path);
      if (done(requests)) return requests;
      if (Date.now() > deadline)
        throw new Error(
          `receiver ${path}: condition not met in ${timeoutMs} ms; got ${requests.length}: ${requests
            .map((r) => r.body.slice(0, 120))
            .join(' | ')}`,
        );
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** The payload of a request, verified with the secret by the Standard Webhooks library (throws if it does not verify). */
export function verified(request: ReceivedWebhook, secret: string): WebhookBody {
  return new Webhook(secret).verify(request.body, {
    'webhook-id': String(request.headers['webhook-id']),
    'webhook-timestamp': String(request.headers['webhook-timestamp']),
    'webhook-signature': String(request.headers['webhook-signature']),
  }) as WebhookBody;
}

/** Whether the request verifies with that secret. */
export function verifiesWith(request: ReceivedWebhook, secret: string): boolean {
  try {
    verified(request, secret);
    return true;
  } catch {
    return false;
  }
}

export const bodyOf = (request: ReceivedWebhook) => JSON.parse(request.body) as WebhookBody;
