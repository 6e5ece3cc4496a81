import { createServer, request as forward, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** Which requests the backend trickles instead of passing them on. */
export interface TrickleRule {
  method?: string;
  /** Matched against the path and query the gateway sent. */
  path: RegExp;
}

/** A request the backend answers with a body of its own making (a huge list, an odd item) instead of passing it on. */
export interface AnswerRule {
  method?: string;
  path: RegExp;
  /** The JSON text to answer with (status 200). */
  body: () => string;
}

/**
 * A misbehaving backend in front of a simulator (issue 12, points 4 and 5): requests that match a rule get the status
 * line and headers at once, then one byte every `intervalMs`, and never the end of the answer. Nothing of them
 * reaches the simulator, so the backend never carries the call out. Every other request is passed on.
 */
export interface TricklingBackend {
  /** Base URL to give the gateway instead of the simulator's (same path prefix). */
  readonly url: string;
  /** The rules in force; change them at any time (empty: the backend has recovered). */
  rules: TrickleRule[];
  /** Requests answered with a made-up body (checked after the trickle rules). */
  answers: AnswerRule[];
  /** Answers being trickled right now (their connections still open). */
  readonly open: number;
  /** `METHOD path` of every request trickled so far. */
  readonly trickled: string[];
  close(): Promise<void>;
}

export async function startTricklingBackend(
  targetUrl: string,
  options: { intervalMs?: number } = {},
): Promise<TricklingBackend> {
  const target = new URL(targetUrl);
  const intervalMs = options.intervalMs ?? 500;
  const sockets = new Set<Socket>();
  const trickled: string[] = [];
  let open = 0;

  const trickle = (request: IncomingMessage, response: ServerResponse) => {
    trickled.push(`${request.method} ${request.url}`);
    open++;
    request.resume();
    response.writeHead(200, { 'Content-Type': 'application/json' });
    response.write('{');
    const timer = setInterval(() => response.write(' '), intervalMs);
    response.on('close', () => {
      clearInterval(timer);
      open--;
    });
  };

  const pass = (request: IncomingMessage, response: ServerResponse) => {
    const upstream = forward(
      {
        host: target.hostname,
        port: target.port,
        method: request.method,
        path: request.url,
        headers: { ...request.headers, host: target.host },
      },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    upstream.on('error', () => response.destroy());
    request.pipe(upstream);
  };

  const applies = (rule: { method?: string; path: RegExp }, request: IncomingMessage) =>
    (!rule.method || rule.method === request.method) && rule.path.test(request.url ?? '');
  const server = createServer((request, response) => {
    if (backend.rules.some((rule) => applies(rule, request))) return trickle(request, response);
    const answer = backend.answers.find((rule) => applies(rule, request));
    if (!answer) return pass(request, response);
    request.resume();
    response.writeHead(200, { 'Content-Type': 'application/json' }).end(answer.body());
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const backend: TricklingBackend = {
    url: `http://127.0.0.1:${port}${target.pathname.replace(/\/+$/, '')}`,
    rules: [],
    answers: [],
    get open() {
      return open;
    },
    trickled,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  return backend;
}

/** Polls `check` until it holds; rejects with `describe()` when `timeoutMs` passes first (a bound, not a measure). */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  describe: () => string,
  timeoutMs = 20_000,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`still not so after ${timeoutMs} ms: ${describe()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
