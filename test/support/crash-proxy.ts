import { createServer, connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A TCP relay in front of a simulator that passes requests on at once and holds the answers for `delayMs`.
 * A gateway process killed meanwhile leaves a call the backend has carried out but nobody heard the answer
 * of: the case crash-safe creates are for. (A delay fault inside the simulator is not that: the simulator
 * drops a request whose caller hung up before it was handled.) It relays bytes, so TLS (IMCO) passes through.
 */
export interface AnswerDelayProxy {
  readonly port: number;
  delayMs: number;
  close(): Promise<void>;
}

/** How long a backend connection is kept after its caller died, so that the backend finishes the call. */
const ORPHAN_GRACE_MS = 10_000;

function relay(client: Socket, target: { host: string; port: number }, proxy: AnswerDelayProxy): Socket {
  const upstream = connect(target);
  let due = 0;
  // Answers keep their order even when the delay changes between two chunks.
  const later = (action: () => void) => {
    due = Math.max(Date.now() + proxy.delayMs, due);
    setTimeout(action, due - Date.now());
  };
  client.on('data', (chunk) => upstream.write(chunk));
  upstream.on('data', (chunk) => later(() => client.destroyed || client.write(chunk)));
  upstream.on('end', () => later(() => client.end()));
  upstream.on('close', () => later(() => client.destroy()));
  upstream.on('error', () => undefined);
  client.on('error', () => undefined);
  client.on('close', () => setTimeout(() => upstream.destroy(), ORPHAN_GRACE_MS).unref());
  return upstream;
}

export async function startAnswerDelayProxy(targetUrl: string, delayMs: number): Promise<AnswerDelayProxy> {
  const url = new URL(targetUrl);
  const target = { host: url.hostname, port: Number(url.port) };
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = relay(client, target, proxy);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const proxy: AnswerDelayProxy = {
    port: (server.address() as AddressInfo).port,
    delayMs,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  return proxy;
}
