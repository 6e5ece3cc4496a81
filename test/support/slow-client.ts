import { connect } from 'node:net';

/** What a slow client saw: the bytes the gateway wrote, parsed, and whether the gateway closed the connection. */
export interface SlowClientOutcome {
  /** True when the gateway ended the connection (the test never closes it first). */
  closed: boolean;
  /** Status of the answer, 0 when the gateway closed without one. */
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface SlowClientScript {
  /** Bytes sent at once: a request head, complete or not. */
  opening: string;
  /** Sent again every `everyMs` (a trickled body or header); absent: the client stays silent. */
  drip?: string;
  everyMs?: number;
}

/**
 * A client that sends `opening`, then trickles `drip` (or nothing) and never finishes its request. Resolves
 * when the gateway closes the connection; rejects when it is still open after `boundMs` (a bound, not a measure).
 */
export function slowClient(
  baseUrl: string,
  script: SlowClientScript,
  boundMs = 30_000,
): Promise<SlowClientOutcome> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    const chunks: Buffer[] = [];
    const drip = script.drip
      ? setInterval(() => socket.writable && socket.write(script.drip!), script.everyMs ?? 300)
      : undefined;
    const bound = setTimeout(() => {
      clearInterval(drip);
      socket.destroy();
      reject(new Error(`the gateway kept the connection open for ${boundMs} ms`));
    }, boundMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(drip);
      clearTimeout(bound);
      const data = Buffer.concat(chunks).toString('utf8');
      const end = data.indexOf('\r\n\r\n');
      const [statusLine, ...lines] = (end < 0 ? '' : data.slice(0, end)).split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      resolve({
        closed: true,
        status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0),
        headers,
        body: end < 0 ? '' : data.slice(end + 4),
      });
    });
    socket.write(script.opening);
  });
}
