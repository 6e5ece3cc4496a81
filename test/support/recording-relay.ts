import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

/**
 * A TCP relay in front of a plain-HTTP simulator that keeps every byte the gateway sent through it, one text per
 * connection: a test sees what a backend was really asked (e.g. that an OS install carried the root password)
 * where the simulator does not keep it.
 */
export interface RecordingRelay {
  /** Base URL of the relay, with the target's path (use it as the connection's `endpoint`). */
  readonly url: string;
  /** What the gateway sent, one string per connection, in order. */
  sent(): string[];
  close(): Promise<void>;
}

export async function startRecordingRelay(targetUrl: string): Promise<RecordingRelay> {
  const target = new URL(targetUrl);
  const streams: Buffer[][] = [];
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const chunks: Buffer[] = [];
    streams.push(chunks);
    const upstream = connect({ host: target.hostname, port: Number(target.port) });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    client.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => client.destroyed || client.write(chunk));
    upstream.on('close', () => client.destroy());
    client.on('close', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = new URL(targetUrl);
  url.port = String(port);
  return {
    url: url.toString().replace(/\/$/, ''),
    sent: () => streams.map((chunks) => Buffer.concat(chunks).toString('utf8')),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
