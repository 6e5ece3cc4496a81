import { connect } from 'node:net';

/** A request as bytes on the wire: nothing is checked or normalized, so any garbage reaches the gateway. */
export interface RawRequest {
  method: string;
  /** The request target exactly as sent (path and query, already encoded or not). */
  target: string;
  headers: Array<[string, string]>;
  body?: string | Buffer;
  /** Send the body with `Transfer-Encoding: chunked` instead of a Content-Length. */
  chunked?: boolean;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const HEADER_END = Buffer.from('\r\n\r\n');

function decodeChunked(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (let at = 0; at < data.length;) {
    const lineEnd = data.indexOf('\r\n', at);
    if (lineEnd < 0) break;
    const size = parseInt(data.subarray(at, lineEnd).toString('latin1'), 16);
    if (!size) break;
    parts.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

function parseHead(head: string): { status: number; headers: Record<string, string> } {
  const [statusLine, ...lines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
  }
  return { status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0), headers };
}

/**
 * Sends one HTTP/1.1 request on a fresh connection (`Connection: close`) and reads the answer. An event
 * stream that opens (200 text/event-stream) is answered as soon as its head arrives, since it never ends.
 */
export function rawRequest(baseUrl: string, request: RawRequest, timeoutMs = 20_000): Promise<RawResponse> {
  const { hostname, port } = new URL(baseUrl);
  const body = request.body === undefined ? undefined : Buffer.from(request.body);
  const lines = [`${request.method} ${request.target} HTTP/1.1`, `Host: ${hostname}:${port}`];
  for (const [name, value] of request.headers) lines.push(`${name}: ${value}`);
  if (body) lines.push(request.chunked ? 'Transfer-Encoding: chunked' : `Content-Length: ${body.length}`);
  lines.push('Connection: close', '', '');
  // UTF-8, as clients send text; Node reads header bytes above 0x7F as latin-1 characters.
  const head = Buffer.from(lines.join('\r\n'), 'utf8');

  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (error?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (error) return reject(error);
      const data = Buffer.concat(chunks);
      const end = data.indexOf(HEADER_END);
      if (end < 0) return reject(new Error(`no HTTP answer to ${request.method} ${request.target}`));
      const { status, headers } = parseHead(data.subarray(0, end).toString('latin1'));
      const rest = data.subarray(end + 4);
      const payload = /chunked/i.test(headers['transfer-encoding'] ?? '') ? decodeChunked(rest) : rest;
      resolve({ status, headers, body: payload.toString('utf8') });
    };
    const timer = setTimeout(
      () => finish(new Error(`no answer within ${timeoutMs} ms to ${request.method} ${request.target}`)),
      timeoutMs,
    );
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      const data = Buffer.concat(chunks);
      const end = data.indexOf(HEADER_END);
      if (end >= 0 && /^content-type:\s*text\/event-stream/im.test(data.subarray(0, end).toString('latin1')))
        finish();
    });
    socket.on('end', () => finish());
    socket.on('close', () => finish());
    // A server may answer and close before it read the whole body (413): what it answered still counts.
    socket.on('error', (error: NodeJS.ErrnoException) =>
      chunks.length && ['ECONNRESET', 'EPIPE'].includes(error.code ?? '') ? finish() : finish(error),
    );
    socket.write(head);
    if (body && request.chunked) {
      for (let at = 0; at < body.length; at += 16_384) {
        const chunk = body.subarray(at, at + 16_384);
        socket.write(
          Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]),
        );
      }
      socket.write('0\r\n\r\n');
    } else if (body) socket.write(body);
  });
}
